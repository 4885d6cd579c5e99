import { afterEach, describe, expect, it } from "vitest";
import pg from "pg";
import { loadMigrations, migratePostgres, type Migration } from "@/lib/db/migrate";
import { emptyDatabase, queryOnce } from "./support/pg-admin";

const migrations = loadMigrations("postgres");
const drops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const d of drops.splice(0)) await d();
});

async function fresh(): Promise<string> {
  const e = await emptyDatabase();
  drops.push(e.drop);
  return e.url;
}

async function recorded(url: string): Promise<{ name: string; checksum: string }[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(`SELECT name, checksum FROM "_gatehouse_migrations" ORDER BY name`)).rows;
  } finally {
    await c.end();
  }
}

describe("PostgreSQL migrator", () => {
  it("an index an operator built beforehand with CREATE INDEX CONCURRENTLY is kept; one a failed build left invalid is rebuilt", async () => {
    const url = await fresh();
    const first = "20261204182406_action_decided_at_index";
    await migratePostgres(
      url,
      migrations.filter((m) => m.name < first),
    );
    // The documented pre-step on a large table (docs/postgres-operations.md), done while the instances serve.
    await queryOnce(url, `CREATE INDEX CONCURRENTLY "Approval_createdAt_idx" ON "Approval"("createdAt")`);
    await queryOnce(url, `CREATE INDEX CONCURRENTLY "Action_decidedAt_id_idx" ON "Action"("decidedAt", "id")`);
    await queryOnce(url, `CREATE INDEX CONCURRENTLY "WebhookDelivery_status_createdAt_id_idx" ON "WebhookDelivery"("status", "createdAt", "id")`);
    // What an interrupted concurrent build leaves: an index marked invalid (the planner never uses it).
    await queryOnce(url, `UPDATE pg_index SET indisvalid = false WHERE indexrelid = '"Action_decidedAt_id_idx"'::regclass`);
    await queryOnce(url, `UPDATE pg_index SET indisvalid = false WHERE indexrelid = '"WebhookDelivery_status_createdAt_id_idx"'::regclass`);
    const oid = async (name: string) =>
      (
        await queryOnce<{ oid: number; valid: boolean }>(url, `SELECT indexrelid::int AS oid, indisvalid AS valid FROM pg_index WHERE indexrelid = to_regclass($1)`, [`"${name}"`])
      )[0];
    const kept = await oid("Approval_createdAt_idx");
    const invalid = await oid("Action_decidedAt_id_idx");
    const invalidStatus = await oid("WebhookDelivery_status_createdAt_id_idx");
    expect(invalid?.valid).toBe(false);
    expect(invalidStatus?.valid).toBe(false);
    expect(await migratePostgres(url)).toContain(first);
    expect(await oid("Approval_createdAt_idx")).toEqual(kept);
    for (const [name, before] of [
      ["Action_decidedAt_id_idx", invalid],
      ["WebhookDelivery_status_createdAt_id_idx", invalidStatus],
    ] as const) {
      const rebuilt = await oid(name);
      expect(rebuilt?.valid).toBe(true);
      expect(rebuilt?.oid).not.toBe(before?.oid);
    }
    expect((await oid("WebhookDelivery_createdAt_id_idx"))?.valid).toBe(true);
  });

  it("instances starting at once apply every migration exactly once (advisory lock)", async () => {
    const url = await fresh();
    const results = await Promise.all(Array.from({ length: 5 }, () => migratePostgres(url)));
    expect(results.flat().sort()).toEqual(migrations.map((m) => m.name).sort());
    expect(results.filter((r) => r.length > 0)).toHaveLength(1);
    expect(await recorded(url)).toEqual(migrations.map((m) => ({ name: m.name, checksum: m.checksum })));
    // The genesis row is inserted by a migration: exactly one, so nothing ran twice.
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const { rows } = await c.query(`SELECT count(*)::int AS n FROM "AuditHead"`);
    await c.end();
    expect(rows[0].n).toBe(1);
  });

  it("refuses to start when an applied migration was edited", async () => {
    const url = await fresh();
    await migratePostgres(url);
    const edited: Migration[] = migrations.map((m, i) => (i === 0 ? { ...m, sql: m.sql + "\n-- edited", checksum: "f".repeat(64) } : m));
    await expect(migratePostgres(url, edited)).rejects.toThrow(/edited after it was applied/);
  });

  it("refuses a database that has a migration this build does not know", async () => {
    const url = await fresh();
    await migratePostgres(url);
    await expect(migratePostgres(url, migrations.slice(0, 1))).rejects.toThrow(/does not know/);
  });

  it("a failing migration is rolled back and not recorded; the lock is released", async () => {
    const url = await fresh();
    const broken: Migration = { name: "99999999999999_broken", sql: `CREATE TABLE "Half" (x int); SELECT no_such_function();`, checksum: "b".repeat(64) };
    await expect(migratePostgres(url, [...migrations, broken])).rejects.toThrow(/99999999999999_broken failed/);
    expect((await recorded(url)).map((r) => r.name)).toEqual(migrations.map((m) => m.name));
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const { rows } = await c.query(`SELECT to_regclass('"Half"') AS t`);
    await c.end();
    expect(rows[0].t).toBeNull();
    // Not stuck behind a leaked advisory lock:
    expect(await migratePostgres(url)).toEqual([]);
  });
});
