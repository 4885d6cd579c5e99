import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { loadMigrations, migrateSqlite, migratePostgres, type Migration } from "@/lib/db/migrate";
import { derivePostgresSchema } from "@/scripts/pg-schema";
import { onPostgres } from "./support/provider";
import { diffShapes, livePostgresShape, parsePostgresMigrations, sqliteShape, type SchemaShape } from "@/scripts/pg-schema-shape";

// One model definition, two migration sets: they must describe the same
// tables, columns (and nullability), primary keys and indexes.
let dir: string;
let sqlite: SchemaShape;
const pgMigrations = loadMigrations("postgres");
const sqliteMigrations = loadMigrations("sqlite");

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(process.env.GATEHOUSE_TEST_ROOT ?? os.tmpdir(), "parity-"));
  const file = path.join(dir, "parity.db");
  migrateSqlite(file);
  sqlite = sqliteShape(file);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("migration parity (SQLite vs PostgreSQL)", () => {
  it("both providers have the same migrations, in the same order", () => {
    expect(pgMigrations.map((m) => m.name)).toEqual(sqliteMigrations.map((m) => m.name));
    expect(pgMigrations.length).toBeGreaterThan(0);
  });

  it("the applied SQLite schema and the PostgreSQL migration SQL agree on tables, columns and indexes", () => {
    const pg = parsePostgresMigrations(pgMigrations.map((m) => m.sql));
    expect(Object.keys(sqlite).length).toBeGreaterThanOrEqual(15);
    expect(Object.keys(pg).sort()).toEqual(Object.keys(sqlite).sort());
    expect(diffShapes(sqlite, pg)).toEqual([]);
  });

  it("the comparison notices a column, an index or a nullability that only one side has", () => {
    const pg = parsePostgresMigrations([
      ...pgMigrations.map((m) => m.sql),
      `ALTER TABLE "Action" ADD COLUMN "extra" TEXT;`,
      `CREATE INDEX "Action_extra_idx" ON "Action"("extra");`,
      `ALTER TABLE "User" ALTER COLUMN "name" DROP NOT NULL;`,
    ]);
    expect(diffShapes(sqlite, pg).sort()).toEqual(
      ["column Action.extra: only in postgres", "column User.name: NOT NULL true in sqlite, false in postgres", "index Action.Action_extra_idx: only in postgres"].sort(),
    );
  });

  it("refuses to guess at a PostgreSQL statement it does not understand", () => {
    expect(() => parsePostgresMigrations([`CREATE MATERIALIZED VIEW "v" AS SELECT 1;`])).toThrow(/does not understand/);
  });

  it("prisma/postgres.prisma is exactly what scripts/pg-schema.ts derives from prisma/schema.prisma", () => {
    const derived = derivePostgresSchema(fs.readFileSync(path.join("prisma", "schema.prisma"), "utf8"));
    expect(fs.readFileSync(path.join("prisma", "postgres.prisma"), "utf8")).toBe(derived);
  });

  it.runIf(onPostgres)("a real PostgreSQL database migrated by the project's migrator has exactly the parsed shape", async () => {
    const { emptyDatabase } = await import("./postgres-only/support/pg-admin");
    const empty = await emptyDatabase();
    try {
      await migratePostgres(empty.url);
      const live = await livePostgresShape(empty.url);
      expect(diffShapes(sqlite, live, ["sqlite", "live postgres"])).toEqual([]);
    } finally {
      await empty.drop();
    }
  });
});

describe("the migrator (SQLite)", () => {
  const edit = (ms: Migration[]): Migration[] => ms.map((m, i) => (i === 0 ? { ...m, sql: m.sql + "\n-- edited", checksum: "0".repeat(64) } : m));

  it("records each migration with its checksum and applies nothing twice", () => {
    const file = path.join(dir, "twice.db");
    expect(migrateSqlite(file)).toEqual(sqliteMigrations.map((m) => m.name));
    expect(migrateSqlite(file)).toEqual([]);
    const db = new Database(file, { readonly: true });
    const rows = db.prepare(`SELECT name, checksum FROM "_gatehouse_migrations" ORDER BY name`).all();
    db.close();
    expect(rows).toEqual(sqliteMigrations.map((m) => ({ name: m.name, checksum: m.checksum })));
  });

  it("refuses to start when an applied migration was edited (checksum differs)", () => {
    const file = path.join(dir, "edited.db");
    migrateSqlite(file);
    expect(() => migrateSqlite(file, edit(sqliteMigrations))).toThrow(/edited after it was applied/);
  });

  it("refuses a database that has a migration this build does not know", () => {
    const file = path.join(dir, "unknown.db");
    migrateSqlite(file);
    expect(() => migrateSqlite(file, sqliteMigrations.slice(0, 1))).toThrow(/does not know/);
  });
});
