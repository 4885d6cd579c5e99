import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Guard: every console read of a tenant-bearing table narrows to the user's
 * scopes in ONE way — lib/auth/scopes.ts (scopeWhere, tenantWhere, or
 * actionWhere, which starts from scopeWhere). The files checked are every
 * module a tenant-scoped console route or page reaches through `@/lib/…`
 * imports (found from the source, so a new helper is checked too). A query
 * that is bound to a row already read through the scope says so on the line
 * above with `// scope-guard: <why>`.
 */

const ROOT = process.cwd();
const TENANT_TABLES = ["action", "auditEvent", "run", "agentCredential", "issuedToken", "killSwitch", "tenant"];
const READS = ["findMany", "findFirst", "findFirstOrThrow", "findUnique", "findUniqueOrThrow", "count", "groupBy", "aggregate"];
const CALL = new RegExp(`\\bdb\\(\\)\\.(${TENANT_TABLES.join("|")})\\.(${READS.join("|")})\\(`, "g");
const NARROWED = /\b(scopeWhere|tenantWhere|actionWhere|auditWhere)\(|\bscoped\w*/;

function walk(dir: string, pred: (f: string) => boolean): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p, pred) : pred(p) ? [p] : [];
  });
}

function resolveLib(spec: string): string | null {
  const base = path.join(ROOT, spec.replace(/^@\//, ""));
  for (const f of [`${base}.ts`, `${base}.tsx`, path.join(base, "index.ts")]) if (fs.existsSync(f)) return f;
  return null;
}

/** Modules reached from the scoped entry points through `@/lib/…` imports. */
function reached(entries: string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...entries];
  while (todo.length) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    for (const m of fs.readFileSync(f, "utf8").matchAll(/from "(@\/lib\/[^"]+)"/g)) {
      const r = resolveLib(m[1]!);
      if (r && !seen.has(r)) todo.push(r);
    }
  }
  return seen;
}

/** The text of a call's arguments: from the opening parenthesis to its match. */
function callArgs(src: string, open: number): string {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    if (src[i] === "(") depth++;
    else if (src[i] === ")" && --depth === 0) return src.slice(open, i + 1);
  }
  return src.slice(open);
}

function unscopedReads(files: Iterable<string>): string[] {
  const bad: string[] = [];
  for (const f of files) {
    const src = fs.readFileSync(f, "utf8");
    for (const m of src.matchAll(CALL)) {
      const args = callArgs(src, m.index! + m[0].length - 1);
      const lineStart = src.lastIndexOf("\n", m.index!);
      const prevLine = src.slice(src.lastIndexOf("\n", lineStart - 1) + 1, lineStart);
      if (NARROWED.test(args) || /\/\/ scope-guard: \S/.test(prevLine)) continue;
      bad.push(`${path.relative(ROOT, f)}:${src.slice(0, m.index!).split("\n").length} ${m[0]}`);
    }
  }
  return bad;
}

describe("scope guard", () => {
  const scopedEntries = [
    ...walk(path.join(ROOT, "app/api/console"), (f) => f.endsWith("route.ts") && /\bscopedConsoleHandler\b/.test(fs.readFileSync(f, "utf8"))),
    ...walk(path.join(ROOT, "app/(console)"), (f) => f.endsWith(".tsx") && /\brequireScopedPageRole\b/.test(fs.readFileSync(f, "utf8"))),
  ];

  it("finds the scoped entry points", () => {
    expect(scopedEntries.length).toBeGreaterThanOrEqual(15);
  });

  it("every read of a tenant-bearing table a scoped route reaches goes through scopeWhere", () => {
    const files = [...reached(scopedEntries)].filter((f) => !f.endsWith(path.join("lib", "auth", "scopes.ts")));
    expect(files.length).toBeGreaterThan(20);
    expect(unscopedReads(files)).toEqual([]);
  });

  it("catches a read that forgets it (the guard can fail)", () => {
    const tmp = path.join(ROOT, "data", `scope-guard-probe-${process.pid}.ts`);
    fs.mkdirSync(path.dirname(tmp), { recursive: true });
    fs.writeFileSync(tmp, 'const rows = await db().action.findMany({ where: { status: "pending" } });\nconst ok = await db().action.count({ where: scopeWhere(u) });\n');
    try {
      expect(unscopedReads([tmp])).toEqual([expect.stringContaining("db().action.findMany(")]);
    } finally {
      fs.rmSync(tmp);
    }
  });
});
