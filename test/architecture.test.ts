import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// Rules about where code lives, checked over the source tree itself.

const root = path.resolve(import.meta.dirname, "..");

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== "node_modules" && e.name !== "generated" && !e.name.startsWith(".")) walk(p);
      } else if (/\.(ts|tsx|mts|cts|js|mjs)$/.test(e.name)) out.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

const rel = (f: string) => path.relative(root, f).split(path.sep).join("/");
const insideLibDb = (f: string) => rel(f).startsWith("lib/db/");
const lineOf = (text: string, index: number) => text.slice(0, index).split("\n").length;

/**
 * The source with comments blanked (newlines kept, so line numbers hold):
 * prose about SQL is fine, code is what the rules are about. Tracks string,
 * template and `${…}` nesting so "//" inside a URL is not taken for a comment.
 */
function withoutComments(src: string): string {
  const out = src.split("");
  const stack: string[] = []; // open quotes and template substitutions
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    const top = stack[stack.length - 1];
    if (top === "'" || top === '"' || top === "`") {
      if (c === "\\") i++;
      else if (c === top) stack.pop();
      else if (top === "`" && c === "$" && src[i + 1] === "{") (stack.push("${"), i++);
      continue;
    }
    if (c === "/" && src[i + 1] === "/") {
      while (i < src.length && src[i] !== "\n") out[i++] = " ";
      continue;
    }
    if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end === -1 ? src.length : end + 2;
      for (; i < stop; i++) if (src[i] !== "\n") out[i] = " ";
      i--;
      continue;
    }
    if (c === "'" || c === '"' || c === "`") stack.push(c);
    else if (c === "{" && top === "${") stack.push("{");
    else if (c === "}" && (top === "${" || top === "{")) stack.pop();
  }
  return out.join("");
}

/** Each match of each pattern in each file (comments aside), as "file:line: text". */
function findAll(files: string[], patterns: RegExp[]): string[] {
  const hits: string[] = [];
  for (const f of files) {
    const source = fs.readFileSync(f, "utf8");
    const text = withoutComments(source);
    for (const re of patterns) {
      for (const m of text.matchAll(new RegExp(re.source, re.flags.includes("g") ? re.flags : `${re.flags}g`))) {
        const line = lineOf(text, m.index);
        hits.push(`${rel(f)}:${line}: ${source.split("\n")[line - 1]!.trim()}`);
      }
    }
  }
  return [...new Set(hits)];
}

/**
 * Raw SQL: the ORM's raw escape hatches, and SQL statements in string or
 * template literals (a quote, then a statement keyword; or the statement
 * shapes this schema's quoted identifiers give: `FROM "Table"`, `INSERT INTO "`,
 * `UPDATE "Table" SET`, `DELETE FROM "`).
 */
const RAW_SQL = [
  /\$(queryRaw|executeRaw)\w*/,
  /[`'"]\s*(SELECT|INSERT\s+INTO|UPDATE|DELETE\s+FROM|WITH|PRAGMA|LISTEN|NOTIFY|BEGIN|COMMIT|ROLLBACK|SAVEPOINT)\s+[^`'"]*?(FROM|INTO|SET|WHERE|AS|\(|\$\{|[`'"]|$)/m,
  /\bFROM\s+"[A-Z]\w*"/,
  /\bINSERT\s+INTO\s+"/,
  /\bUPDATE\s+"[A-Z]\w*"\s+SET\b/,
  /\bDELETE\s+FROM\s+"/,
];

const GENERATED_CLIENT = /(from\s+|import\s*\(\s*|require\s*\(\s*)["'][^"']*lib\/db\/generated\b[^"']*["']/;

describe("architecture", () => {
  it("raw SQL lives only under lib/db/: none in lib/, app/ or components/ elsewhere", () => {
    const files = ["lib", "app", "components"].flatMap((d) => sourceFiles(path.join(root, d))).filter((f) => !insideLibDb(f));
    expect(files.length).toBeGreaterThan(50);
    expect(findAll(files, RAW_SQL), "raw SQL outside lib/db — add a named query to lib/db/tables/ and call it").toEqual([]);
  });

  it("the raw-SQL scan recognises the statements lib/db holds", () => {
    // The patterns must keep matching real statements, or the rule above passes vacuously.
    const hits = findAll(sourceFiles(path.join(root, "lib", "db", "tables")), RAW_SQL);
    for (const table of ["action", "audit-event", "run", "issued-token", "agent-credential"]) {
      expect(
        hits.some((h) => h.startsWith(`lib/db/tables/${table}.ts:`)),
        table,
      ).toBe(true);
    }
  });

  it("only lib/db imports the generated Prisma client: everything else takes model types from lib/db/types", () => {
    const files = ["lib", "app", "components", "scripts", "bench", "test", "e2e"]
      .flatMap((d) => sourceFiles(path.join(root, d)))
      .concat(
        fs
          .readdirSync(root)
          .filter((f) => /\.(ts|mts|mjs)$/.test(f))
          .map((f) => path.join(root, f)),
      )
      .filter((f) => !insideLibDb(f));
    expect(findAll(files, [GENERATED_CLIENT]), "import model types from @/lib/db/types instead").toEqual([]);
  });
});
