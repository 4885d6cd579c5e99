import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDb } from "../support/db";
import { emptyDatabase } from "./support/pg-admin";
import { appendLegacyEvents } from "./support/legacy-audit";
import { resetEnvForTests } from "@/lib/env";
import { closeDb, db } from "@/lib/db/client";
import { loadMigrations, migratePostgres, migrateSqlite } from "@/lib/db/migrate";
import { sqlTransaction } from "@/lib/db/sql";
import { appendAudit } from "@/lib/audit/append";
import { verifyChain } from "@/lib/audit/chain";
import { verifyStoredChain } from "@/lib/audit/verify-stored-chain";
import { getAuditEvent, queryAuditPage } from "@/lib/audit/query";
import { auditSeqIsNarrow, widenAuditSeq } from "@/lib/db/postgres/widen-audit-seq";
import { diffShapes, livePostgresShape, sqliteShape } from "@/scripts/pg-schema-shape";

// AuditEvent.seq is 64-bit on PostgreSQL: appends run past 2^31, and a log too large for the
// migration to rewrite is widened online while appends go on.

const TWO_31 = 2 ** 31;
let ctx: Awaited<ReturnType<typeof freshDb>>;

beforeAll(async () => {
  ctx = await freshDb();
});
afterAll(async () => {
  await ctx.cleanup();
});

async function query<T extends pg.QueryResultRow>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text, params)).rows;
  } finally {
    await c.end();
  }
}

const columnType = async (url: string, table: string, column: string) =>
  (
    await query<{ data_type: string }>(url, `SELECT data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 AND column_name = $2`, [
      table,
      column,
    ])
  )[0]?.data_type;

const append = (n: number, tag: string) =>
  sqlTransaction((sql) => appendAudit(sql, ...Array.from({ length: n }, (_, i) => ({ type: "test.seq64", actorType: "system" as const, reason: `${tag} ${i}` }))));

/** Point lib/db at another database (as freshDb does). */
async function useDatabase(url: string): Promise<void> {
  await closeDb();
  process.env.DATABASE_URL = url;
  resetEnvForTests();
  db();
}

describe("64-bit audit sequence numbers on PostgreSQL", () => {
  it("a migrated database has 64-bit seq columns and a text sign-in failure id", async () => {
    expect(await columnType(ctx.databaseUrl, "AuditEvent", "seq")).toBe("bigint");
    expect(await columnType(ctx.databaseUrl, "AuditHead", "seq")).toBe("bigint");
    expect(await columnType(ctx.databaseUrl, "SignInFailure", "id")).toBe("text");
    expect(await auditSeqIsNarrow(ctx.databaseUrl)).toBe(false);
  });

  it("appends run past 2^31: exact numbers through the append, the ORM, the console's paging and the verifier", async () => {
    expect(await append(2, "low")).toEqual([1, 2]);
    // Jump the global number just below 2^31 (as six days at 2,000 audited requests a second would).
    // Global numbers may have gaps (completeness is proven per chain), so the log still verifies.
    await query(ctx.databaseUrl, `SELECT setval('"AuditEvent_global_seq"', $1)`, [TWO_31 - 2]);
    const seqs = await append(5, "high");
    expect(seqs).toEqual([TWO_31 - 1, TWO_31, TWO_31 + 1, TWO_31 + 2, TWO_31 + 3]);

    const rows = await db().auditEvent.findMany({ orderBy: { seq: "asc" } });
    expect(rows.map((r) => r.seq)).toEqual([1n, 2n, ...seqs.map((s) => BigInt(s))]);
    expect(rows.map((r) => r.chainSeq)).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n]);
    expect(verifyChain(rows.map((r) => ({ ...r, seq: Number(r.seq), at: r.at.toISOString() }))).ok).toBe(true);
    expect(await verifyStoredChain(3)).toEqual({ ok: true, count: 7 });

    const page = await queryAuditPage({ type: "test.seq64" }, { limit: 2 });
    expect(page.rows.map((r) => r.seq)).toEqual([TWO_31 + 3, TWO_31 + 2]);
    expect(page.next_before).toBe(TWO_31 + 2);
    const next = await queryAuditPage({ type: "test.seq64" }, { limit: 10, before: page.next_before! });
    expect(next.rows.map((r) => r.seq)).toEqual([TWO_31 + 1, TWO_31, TWO_31 - 1, 2, 1]);
    expect((await getAuditEvent(TWO_31 + 1))?.reason).toBe("high 2");

    // A chain's position is 64-bit too: jump it past 2^31 and the verifier reads it exactly (and reports the gap).
    const [chain] = await query<{ id: number }>(
      ctx.databaseUrl,
      `UPDATE "AuditChain" SET "seq" = $1 WHERE "id" = (SELECT min("id") FROM "AuditChain" WHERE "closedAt" IS NULL) RETURNING "id"`,
      [TWO_31 + 10],
    );
    const [far] = await append(1, "far");
    expect((await db().auditEvent.findUniqueOrThrow({ where: { seq: far! } })).chainSeq).toBe(BigInt(TWO_31 + 11));
    expect(await verifyStoredChain(3)).toEqual({ ok: false, badSeq: far, problem: `chain ${chain!.id}: expected position 8, found ${TWO_31 + 11}` });
  });

  it("a log the migration left 32-bit is widened online while appends continue, and keeps its chain, shape and guards", async () => {
    const empty = await emptyDatabase();
    const name = new URL(empty.url).pathname.slice(1);
    const sqliteDir = fs.mkdtempSync(path.join(process.env.GATEHOUSE_TEST_ROOT ?? os.tmpdir(), "shape-"));
    try {
      // As a large log would: the migration leaves AuditEvent.seq alone above the inline limit.
      await query(empty.url, `ALTER DATABASE ${name} SET gatehouse.audit_seq_inline_max = '10'`);
      const all = loadMigrations("postgres");
      const before = all.filter((m) => m.name < "20261201123650_audit_seq_bigint");
      await migratePostgres(empty.url, before);
      await useDatabase(empty.url);
      await appendLegacyEvents(empty.url, 40); // as the previous build appended them: chain 0
      await migratePostgres(empty.url);
      // As in production, the new build's instances start after the migration.
      await useDatabase(empty.url);
      expect(await columnType(empty.url, "AuditEvent", "seq")).toBe("integer");
      expect(await auditSeqIsNarrow(empty.url)).toBe(true);

      // Appends from a running instance go on throughout the widening.
      let stop = false;
      let appended = 0;
      const errors: unknown[] = [];
      const appender = (async () => {
        while (!stop) {
          try {
            appended += (await append(2, "during")).length;
          } catch (err) {
            errors.push(err);
          }
        }
      })();
      const log: string[] = [];
      const report = await widenAuditSeq(empty.url, { batch: 7, log: (l) => log.push(l) });
      // A few more appends after the swap, on the new column.
      const afterSwap = appended;
      while (appended < afterSwap + 6 && errors.length === 0) await new Promise((r) => setTimeout(r, 10));
      stop = true;
      await appender;

      expect(errors).toEqual([]);
      expect(report.widened).toBe(true);
      expect(report.backfilled).toBeGreaterThanOrEqual(40);
      expect(log.at(-1)).toBe("swapped: AuditEvent.seq is 64-bit");
      expect(await columnType(empty.url, "AuditEvent", "seq")).toBe("bigint");
      expect(await auditSeqIsNarrow(empty.url)).toBe(false);

      // The same tables, columns, primary key and index names as a database migrated from scratch (and SQLite).
      const file = path.join(sqliteDir, "shape.db");
      migrateSqlite(file);
      expect(diffShapes(sqliteShape(file), await livePostgresShape(empty.url), ["sqlite", "widened postgres"])).toEqual([]);
      // Still append-only, with the strict trigger back.
      await expect(query(empty.url, `UPDATE "AuditEvent" SET "reason" = 'x' WHERE "seq" = 1`)).rejects.toThrow(/append-only/);
      await expect(query(empty.url, `DELETE FROM "AuditEvent" WHERE "seq" = 1`)).rejects.toThrow(/append-only/);
      expect(await query(empty.url, `SELECT proname FROM pg_proc WHERE proname LIKE 'gatehouse_audit%' ORDER BY proname`)).toEqual([{ proname: "gatehouse_audit_append_only" }]);

      // Every event, old, backfilled and new, is on one intact chain.
      expect(await verifyStoredChain(9)).toEqual({ ok: true, count: 40 + appended });
      expect(await widenAuditSeq(empty.url)).toEqual({ widened: false, backfilled: 0, alreadyWide: true });
    } finally {
      await useDatabase(ctx.databaseUrl);
      await empty.drop();
      fs.rmSync(sqliteDir, { recursive: true, force: true });
    }
  });
});
