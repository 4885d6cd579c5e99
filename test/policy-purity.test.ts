import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * README promises that lib/policy is pure: no database, no network, no files,
 * no framework. This walks every runtime import reachable from lib/policy
 * (type-only imports are erased at build time and carry no code) and fails on
 * anything that could do I/O.
 */
const ROOT = path.resolve(import.meta.dirname, "..");

/**
 * Packages lib/policy may reach: zod validates values in memory and does
 * nothing else; @marcbachmann/cel-js parses and evaluates CEL expressions in
 * memory (zero dependencies, no I/O); "server-only" is a bundler marker that is empty at run time
 * (lib/errors.ts may carry it, since it reaches lib/db/errors.ts).
 */
const PURE_PACKAGES = new Set(["zod", "server-only", "@marcbachmann/cel-js"]);

/**
 * Project files outside lib/policy that lib/policy may reach: the one error
 * type (lib/errors.ts) and the driver-error classifier it uses to map
 * "database unavailable" to 503 (lib/db/errors.ts: inspects error objects by
 * shape, imports nothing). Their own imports are walked like any other.
 */
/** The pure engine's files in the SDK package, held to the same rule as lib/policy. */
const SDK_POLICY_DIR = "packages/sdk/src/policy";
const PURE_FILES_OUTSIDE = new Set(["lib/errors.ts", "lib/db/errors.ts"]);

/** Runtime import specifiers of one file: static imports and re-exports that are not type-only, import(), require(). */
function runtimeImports(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, file.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        !!clause &&
        (clause.isTypeOnly ||
          (!clause.name &&
            !!clause.namedBindings &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      if (!typeOnly) out.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!node.isTypeOnly) out.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node)) {
      const [arg] = node.arguments;
      const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === "require";
      if ((isImport || isRequire) && arg && ts.isStringLiteralLike(arg)) out.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** A project-relative file for an "@/…" or relative specifier, or null for a package. */
function resolveLocal(fromFile: string, spec: string): string | null {
  let base: string;
  if (spec.startsWith("@/")) base = path.join(ROOT, spec.slice(2));
  // The engine itself moved to the SDK package (one source for the server and policyTester): followed, not trusted.
  else if (spec === "@gatehouse-dev/sdk/policy") base = path.join(ROOT, SDK_POLICY_DIR);
  else if (spec.startsWith(".")) base = path.resolve(path.dirname(path.join(ROOT, fromFile)), spec);
  else return null;
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, path.join(base, "index.ts")]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return path.relative(ROOT, candidate).split(path.sep).join("/");
  }
  throw new Error(`${fromFile}: cannot resolve ${spec}`);
}

/** Every rule break reachable from `entries`, as "file → specifier: why". */
function impureImports(entries: string[], opts: { pureDir: string; pureFilesOutside: ReadonlySet<string>; purePackages: ReadonlySet<string> }): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const queue = [...entries];
  while (queue.length) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of runtimeImports(file, fs.readFileSync(path.join(ROOT, file), "utf8"))) {
      const local = resolveLocal(file, spec);
      if (local === null) {
        const pkg = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
        if (!opts.purePackages.has(pkg))
          problems.push(`${file} → ${spec}: a package that is not known to be pure (node: modules, next, react, database drivers and server-only all do I/O or need a runtime)`);
        continue;
      }
      if (!local.startsWith(`${opts.pureDir}/`) && !local.startsWith(`${SDK_POLICY_DIR}/`) && !opts.pureFilesOutside.has(local)) {
        problems.push(`${file} → ${spec}: ${local} is outside ${opts.pureDir} and not on the list of pure files`);
        continue;
      }
      queue.push(local);
    }
  }
  return problems;
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && /\.tsx?$/.test(d.name))
    .map((d) => path.relative(ROOT, path.join(d.parentPath, d.name)).split(path.sep).join("/"))
    .sort();
}

describe("lib/policy is pure", () => {
  it("imports nothing that does I/O (no lib/db, no node: modules, no next, no other lib folder), directly or through what it imports", () => {
    const entries = filesUnder("lib/policy");
    expect(entries.length).toBeGreaterThan(5);
    expect(impureImports(entries, { pureDir: "lib/policy", pureFilesOutside: PURE_FILES_OUTSIDE, purePackages: PURE_PACKAGES })).toEqual([]);
  });

  it("the walker sees what it must: a database import, a node: module and a dynamic import are each reported", () => {
    const dir = fs.mkdtempSync(path.join(ROOT, "test", ".purity-"));
    const rel = path.relative(ROOT, dir).split(path.sep).join("/");
    try {
      fs.writeFileSync(path.join(dir, "a.ts"), 'import type { Tx } from "@/lib/db/client";\nimport { b } from "./b";\nexport const a = (t: Tx) => b(t);\n');
      fs.writeFileSync(
        path.join(dir, "b.ts"),
        'import { db } from "@/lib/db/client";\nimport fs from "node:fs";\nexport const b = (x: unknown) => [x, db, fs, import("next/server")];\n',
      );
      const problems = impureImports([`${rel}/a.ts`], { pureDir: rel, pureFilesOutside: new Set(), purePackages: PURE_PACKAGES });
      expect(problems.map((p) => p.split(":")[0])).toEqual([`${rel}/b.ts → @/lib/db/client`, `${rel}/b.ts → node`, `${rel}/b.ts → next/server`]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
