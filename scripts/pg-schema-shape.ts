import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";

/**
 * The shape of a migrated database — tables, columns (with nullability),
 * primary keys and indexes — read three ways, so a test can prove the SQLite
 * and PostgreSQL migration sets describe the same schema:
 * - sqliteShape: from a real SQLite file the SQLite migrations were applied to;
 * - parsePostgresMigrations: from the PostgreSQL migration SQL text (no server needed);
 * - livePostgresShape: from a real PostgreSQL database (catalog queries).
 * CLI: `npx tsx scripts/pg-schema-shape.ts` prints the differences between the two migration sets.
 */
export type TableShape = {
  columns: Record<string, { notNull: boolean }>;
  primaryKey: string[];
  indexes: Record<string, { unique: boolean; columns: string[] }>;
};
export type SchemaShape = Record<string, TableShape>;

/** Our own bookkeeping table; not part of the model. */
const IGNORED_TABLES = new Set(["_gatehouse_migrations"]);

/** Read the shape of an already-migrated SQLite file. */
export function sqliteShape(file: string): SchemaShape {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as { name: string }[];
    const shape: SchemaShape = {};
    for (const { name } of tables) {
      if (IGNORED_TABLES.has(name)) continue;
      const cols = db.prepare(`SELECT name, "notnull" AS nn, pk FROM pragma_table_info(?)`).all(name) as { name: string; nn: number; pk: number }[];
      const t: TableShape = { columns: {}, primaryKey: [], indexes: {} };
      for (const c of cols) t.columns[c.name] = { notNull: c.nn === 1 || c.pk > 0 };
      t.primaryKey = cols
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name);
      const idx = db.prepare(`SELECT name, "unique" AS u, origin FROM pragma_index_list(?)`).all(name) as { name: string; u: number; origin: string }[];
      for (const i of idx) {
        if (i.origin === "pk") continue;
        const ic = db.prepare(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`).all(i.name) as { name: string }[];
        t.indexes[i.name] = { unique: i.u === 1, columns: ic.map((c) => c.name) };
      }
      shape[name] = t;
    }
    return shape;
  } finally {
    db.close();
  }
}

/** Split SQL into statements: respects '…', "…" and $$…$$ and drops -- comments. */
export function splitSql(sql: string): string[] {
  const out: string[] = [];
  let cur = "";
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === "-" && sql[i + 1] === "-") {
      const nl = sql.indexOf("\n", i);
      i = nl === -1 ? sql.length : nl;
      continue;
    }
    if (ch === "'" || ch === '"') {
      const end = sql.indexOf(ch, i + 1);
      const stop = end === -1 ? sql.length : end + 1;
      cur += sql.slice(i, stop);
      i = stop;
      continue;
    }
    const dollar = /^\$[A-Za-z_]*\$/.exec(sql.slice(i));
    if (dollar) {
      const end = sql.indexOf(dollar[0], i + dollar[0].length);
      const stop = end === -1 ? sql.length : end + dollar[0].length;
      cur += sql.slice(i, stop);
      i = stop;
      continue;
    }
    if (ch === ";") {
      if (cur.trim()) out.push(cur.trim());
      cur = "";
      i++;
      continue;
    }
    cur += ch;
    i++;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** Split on commas outside parentheses. */
function splitTopLevel(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of body) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  if (cur.trim()) parts.push(cur.trim());
  return parts;
}

const ident = (s: string) => s.trim().replace(/^"|"$/g, "");
const identList = (s: string) => s.split(",").map((x) => ident(x.trim().split(/\s+/)[0]!));

/**
 * Apply PostgreSQL migration SQL (as Prisma's `migrate diff` writes it, plus
 * our hand-written functions/triggers/inserts) to an in-memory shape. A
 * statement this parser does not understand throws, so the parity test can
 * never pass by ignoring a change.
 */
export function parsePostgresMigrations(sqls: string[]): SchemaShape {
  const shape: SchemaShape = {};
  const indexTable = new Map<string, string>();
  const table = (name: string): TableShape => {
    const t = shape[name];
    if (!t) throw new Error(`migration refers to unknown table ${name}`);
    return t;
  };
  for (const stmt of sqls.flatMap(splitSql)) {
    const s = stmt.replace(/\s+/g, " ").trim();
    let m: RegExpExecArray | null;
    if ((m = /^CREATE TABLE "([^"]+)" \((.*)\)$/s.exec(s))) {
      const t: TableShape = { columns: {}, primaryKey: [], indexes: {} };
      for (const part of splitTopLevel(m[2]!)) {
        let c: RegExpExecArray | null;
        if ((c = /^CONSTRAINT "[^"]+" PRIMARY KEY \((.*)\)$/.exec(part))) t.primaryKey = identList(c[1]!);
        else if (/^CONSTRAINT "[^"]+" (UNIQUE|FOREIGN KEY|CHECK)/.test(part)) throw new Error(`unsupported table constraint: ${part}`);
        else if ((c = /^"([^"]+)" (.*)$/.exec(part))) t.columns[c[1]!] = { notNull: /\bNOT NULL\b|\bPRIMARY KEY\b/.test(c[2]!) };
        else throw new Error(`unsupported CREATE TABLE element: ${part}`);
      }
      for (const k of t.primaryKey) t.columns[k] = { notNull: true };
      shape[m[1]!] = t;
    } else if ((m = /^DROP TABLE (?:IF EXISTS )?"([^"]+)"$/.exec(s))) {
      delete shape[m[1]!];
      for (const [i, tn] of indexTable) if (tn === m[1]) indexTable.delete(i);
    } else if ((m = /^CREATE (UNIQUE )?INDEX (?:IF NOT EXISTS )?"([^"]+)" ON "([^"]+)"(?: USING \w+)? ?\((.*)\)$/.exec(s))) {
      table(m[3]!).indexes[m[2]!] = { unique: Boolean(m[1]), columns: identList(m[4]!) };
      indexTable.set(m[2]!, m[3]!);
    } else if ((m = /^DROP INDEX (?:IF EXISTS )?"([^"]+)"$/.exec(s))) {
      const tn = indexTable.get(m[1]!);
      if (!tn) throw new Error(`DROP INDEX of unknown index ${m[1]}`);
      delete table(tn).indexes[m[1]!];
      indexTable.delete(m[1]!);
    } else if ((m = /^ALTER INDEX "([^"]+)" RENAME TO "([^"]+)"$/.exec(s))) {
      const tn = indexTable.get(m[1]!);
      if (!tn) throw new Error(`ALTER INDEX of unknown index ${m[1]}`);
      const t = table(tn);
      t.indexes[m[2]!] = t.indexes[m[1]!]!;
      delete t.indexes[m[1]!];
      indexTable.delete(m[1]!);
      indexTable.set(m[2]!, tn);
    } else if ((m = /^ALTER TABLE "([^"]+)" (.*)$/.exec(s))) {
      const t = table(m[1]!);
      for (const action of splitTopLevel(m[2]!)) applyAlter(shape, m[1]!, t, action);
    } else if (/^(CREATE (OR REPLACE )?FUNCTION|CREATE TRIGGER|DROP TRIGGER|DROP FUNCTION|INSERT INTO|UPDATE|COMMENT ON|CREATE SEQUENCE|DROP SEQUENCE|DO)\b/.test(s)) {
      // Behaviour, not shape (audit triggers, genesis row, sequences, a DO block that changes a column's
      // type); covered by their own tests. The live-PostgreSQL parity test catches a DO block that changed shape.
    } else {
      throw new Error(`scripts/pg-schema-shape.ts does not understand this statement; teach it: ${s.slice(0, 120)}`);
    }
  }
  return shape;
}

function applyAlter(shape: SchemaShape, name: string, t: TableShape, action: string): void {
  let m: RegExpExecArray | null;
  if ((m = /^ADD COLUMN "([^"]+)" (.*)$/.exec(action))) t.columns[m[1]!] = { notNull: /\bNOT NULL\b/.test(m[2]!) };
  else if ((m = /^DROP COLUMN "([^"]+)"$/.exec(action))) {
    delete t.columns[m[1]!];
    // PostgreSQL drops indexes on a dropped column with it.
    for (const [iname, idx] of Object.entries(t.indexes)) if (idx.columns.includes(m[1]!)) delete t.indexes[iname];
  } else if ((m = /^ALTER COLUMN "([^"]+)" SET NOT NULL$/.exec(action))) t.columns[m[1]!] = { notNull: true };
  else if ((m = /^ALTER COLUMN "([^"]+)" DROP NOT NULL$/.exec(action))) t.columns[m[1]!] = { notNull: false };
  else if (/^ALTER COLUMN "[^"]+" (SET DEFAULT|DROP DEFAULT|SET DATA TYPE|TYPE)\b/.test(action)) {
    // Types and defaults are provider-specific; nullability and names are compared.
  } else if ((m = /^RENAME COLUMN "([^"]+)" TO "([^"]+)"$/.exec(action))) {
    t.columns[m[2]!] = t.columns[m[1]!]!;
    delete t.columns[m[1]!];
    for (const idx of Object.values(t.indexes)) idx.columns = idx.columns.map((c) => (c === m![1] ? m![2]! : c));
    t.primaryKey = t.primaryKey.map((c) => (c === m![1] ? m![2]! : c));
  } else if ((m = /^RENAME TO "([^"]+)"$/.exec(action))) {
    shape[m[1]!] = t;
    delete shape[name];
  } else if ((m = /^ADD CONSTRAINT "[^"]+" PRIMARY KEY \((.*)\)$/.exec(action))) t.primaryKey = identList(m[1]!);
  else if (/^DROP CONSTRAINT "[^"]+_pkey"$/.test(action)) t.primaryKey = [];
  else if (/^(ADD CONSTRAINT "[^"]+" FOREIGN KEY|DROP CONSTRAINT "[^"]+_fkey"|RENAME CONSTRAINT)/.test(action)) {
    // Foreign keys: none in this model (relations are checked in code); tolerated, not compared.
  } else throw new Error(`scripts/pg-schema-shape.ts does not understand ALTER TABLE "${name}" ${action}`);
}

/** Read the shape of a real PostgreSQL database (schema public). */
export async function livePostgresShape(url: string): Promise<SchemaShape> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const cols = await c.query<{ t: string; c: string; nullable: string }>(
      `SELECT table_name AS t, column_name AS c, is_nullable AS nullable FROM information_schema.columns
       WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
    );
    const idx = await c.query<{ t: string; i: string; uniq: boolean; prim: boolean; cols: string[] }>(
      `SELECT t.relname AS t, i.relname AS i, ix.indisunique AS uniq, ix.indisprimary AS prim,
              array(SELECT a.attname::text FROM unnest(ix.indkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord) AS cols
       FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'public'`,
    );
    const shape: SchemaShape = {};
    for (const r of cols.rows) {
      if (IGNORED_TABLES.has(r.t)) continue;
      shape[r.t] ??= { columns: {}, primaryKey: [], indexes: {} };
      shape[r.t]!.columns[r.c] = { notNull: r.nullable === "NO" };
    }
    for (const r of idx.rows) {
      const t = shape[r.t];
      if (!t) continue;
      if (r.prim) t.primaryKey = r.cols;
      else t.indexes[r.i] = { unique: r.uniq, columns: r.cols };
    }
    return shape;
  } finally {
    await c.end();
  }
}

/** Human-readable differences between two shapes (empty when they agree). */
export function diffShapes(a: SchemaShape, b: SchemaShape, names = ["sqlite", "postgres"]): string[] {
  const out: string[] = [];
  const [an, bn] = names;
  for (const t of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const ta = a[t];
    const tb = b[t];
    if (!ta || !tb) {
      out.push(`table ${t}: only in ${ta ? an : bn}`);
      continue;
    }
    for (const c of new Set([...Object.keys(ta.columns), ...Object.keys(tb.columns)])) {
      const ca = ta.columns[c];
      const cb = tb.columns[c];
      if (!ca || !cb) out.push(`column ${t}.${c}: only in ${ca ? an : bn}`);
      else if (ca.notNull !== cb.notNull) out.push(`column ${t}.${c}: NOT NULL ${ca.notNull} in ${an}, ${cb.notNull} in ${bn}`);
    }
    if (ta.primaryKey.join(",") !== tb.primaryKey.join(",")) {
      out.push(`table ${t}: primary key (${ta.primaryKey}) in ${an}, (${tb.primaryKey}) in ${bn}`);
    }
    for (const i of new Set([...Object.keys(ta.indexes), ...Object.keys(tb.indexes)])) {
      const ia = ta.indexes[i];
      const ib = tb.indexes[i];
      if (!ia || !ib) out.push(`index ${t}.${i}: only in ${ia ? an : bn}`);
      else if (ia.unique !== ib.unique || ia.columns.join(",") !== ib.columns.join(",")) {
        out.push(`index ${t}.${i}: ${ia.unique ? "unique " : ""}(${ia.columns}) in ${an}, ${ib.unique ? "unique " : ""}(${ib.columns}) in ${bn}`);
      }
    }
  }
  return out;
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const fs = await import("node:fs");
  const os = await import("node:os");
  const { loadMigrations, migrateSqlite } = await import("../lib/db/migrate");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gatehouse-shape-"));
  const file = path.join(dir, "shape.db");
  migrateSqlite(file);
  const diff = diffShapes(sqliteShape(file), parsePostgresMigrations(loadMigrations("postgres").map((m) => m.sql)));
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(diff.length ? diff.join("\n") : "the SQLite and PostgreSQL migration sets agree");
  process.exit(diff.length ? 1 : 0);
}
