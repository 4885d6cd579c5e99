import "server-only";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import Database from "better-sqlite3";
import pg from "pg";

/**
 * The project's own migrator, for both providers (Prisma's migrate cannot run
 * Postgres through the adapter offline). It records each migration with a
 * checksum, refuses one that was edited after it was applied, and holds an
 * advisory lock on Postgres so instances starting together apply it once.
 */
export type Migration = { name: string; sql: string; checksum: string };

const migrationsRoot = path.join(process.cwd(), "prisma", "migrations");

export function loadMigrations(provider: "sqlite" | "postgres", root = migrationsRoot): Migration[] {
  const dir = path.join(root, provider);
  return fs
    .readdirSync(dir)
    .filter((d) => fs.existsSync(path.join(dir, d, "migration.sql")))
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: crypto.createHash("sha256").update(sql).digest("hex") };
    });
}

function checkApplied(applied: Map<string, string>, migrations: Migration[]): Migration[] {
  const known = new Set(migrations.map((m) => m.name));
  for (const name of applied.keys()) {
    if (!known.has(name)) throw new Error(`Database has migration ${name}, which this build does not know; refusing to start.`);
  }
  for (const m of migrations) {
    const sum = applied.get(m.name);
    if (sum && sum !== m.checksum) {
      throw new Error(`Migration ${m.name} was edited after it was applied (checksum differs); refusing to start.`);
    }
  }
  return migrations.filter((m) => !applied.has(m.name));
}

/** Apply pending SQLite migrations; also turns on WAL (persistent in the file). */
export function migrateSqlite(file: string, migrations = loadMigrations("sqlite")): string[] {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file, { timeout: 10_000 });
  try {
    db.pragma("journal_mode = WAL");
    db.exec(`CREATE TABLE IF NOT EXISTS "_gatehouse_migrations" (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)`);
    const done: string[] = [];
    db.transaction(() => {
      const rows = db.prepare(`SELECT name, checksum FROM "_gatehouse_migrations"`).all() as { name: string; checksum: string }[];
      for (const m of checkApplied(new Map(rows.map((r) => [r.name, r.checksum])), migrations)) {
        db.exec(m.sql);
        db.prepare(`INSERT INTO "_gatehouse_migrations" (name, checksum, applied_at) VALUES (?, ?, ?)`).run(m.name, m.checksum, new Date().toISOString());
        done.push(m.name);
      }
    }).immediate();
    return done;
  } finally {
    db.close();
  }
}

const LOCK_ID = 7_316_001;

/** Apply pending Postgres migrations under an advisory lock, each in its own transaction. */
export async function migratePostgres(url: string, migrations = loadMigrations("postgres")): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [LOCK_ID]);
    await client.query(`CREATE TABLE IF NOT EXISTS "_gatehouse_migrations" (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ name: string; checksum: string }>(`SELECT name, checksum FROM "_gatehouse_migrations"`);
    const done: string[] = [];
    for (const m of checkApplied(new Map(rows.map((r) => [r.name, r.checksum])), migrations)) {
      await client.query("BEGIN");
      try {
        // A migration may be comments only (a no-op kept so both providers' sets match).
        if (m.sql.replace(/--.*$/gm, "").trim()) await client.query(m.sql);
        await client.query(`INSERT INTO "_gatehouse_migrations" (name, checksum) VALUES ($1, $2)`, [m.name, m.checksum]);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw new Error(`Migration ${m.name} failed: ${(err as Error).message}`);
      }
      done.push(m.name);
    }
    return done;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [LOCK_ID]).catch(() => undefined);
    await client.end();
  }
}

/** Migrate whichever database the URL names. */
export async function migrate(databaseUrl: string): Promise<string[]> {
  if (databaseUrl.startsWith("file:")) return migrateSqlite(databaseUrl.slice("file:".length));
  return migratePostgres(databaseUrl);
}
