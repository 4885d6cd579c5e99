import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDb } from "../support/db";
import { emptyDatabase } from "./support/pg-admin";
import { appendLegacyEvents } from "./support/legacy-audit";
import { resetEnvForTests } from "@/lib/env";
import { closeDb, db } from "@/lib/db/client";
import { loadMigrations, migratePostgres } from "@/lib/db/migrate";
import { sqlTransaction } from "@/lib/db/sql";
import { appendAudit } from "@/lib/audit/append";
import { verifyStoredChain } from "@/lib/audit/verify-stored-chain";
import { CHAINS_PER_INSTANCE, claimedAuditChains, forgetAuditChains, releaseAuditChain } from "@/lib/db/postgres/audit-chain-claim";
import { reserveChainSeqs } from "@/lib/db/tables/audit-event";

// Hash chains per instance on PostgreSQL: three instances one after another — one retired
// gracefully, one whose process "crashed" (its claim connection gone; its chains closed by the next
// claimant), one live. Appended one at a time, each instance's events go on its first chain (the
// lowest free one): chains 1, 1 + K and 1 + 2K (K = CHAINS_PER_INSTANCE). Every kind of tampering
// on each is found, named by chain.

let ctx: Awaited<ReturnType<typeof freshDb>>;
type Ev = { seq: number; chain: number; chainSeq: number };
let events: Ev[] = [];

async function q<T extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params: unknown[] = [], url = ctx.databaseUrl): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text, params)).rows;
  } finally {
    await c.end();
  }
}

const append = (n: number, tag: string) =>
  sqlTransaction((sql) => appendAudit(sql, ...Array.from({ length: n }, (_, i) => ({ type: "test.chains", actorType: "system" as const, reason: `${tag} ${i}` }))));

/** Run `change` with the append-only triggers off, check, then `undo` and expect the log intact again. */
async function tampered(change: string, undo: string, check: (r: Awaited<ReturnType<typeof verifyStoredChain>>) => void): Promise<void> {
  await q(`ALTER TABLE "AuditEvent" DISABLE TRIGGER USER; ${change}; ALTER TABLE "AuditEvent" ENABLE TRIGGER USER;`);
  try {
    check(await verifyStoredChain(4));
  } finally {
    await q(`ALTER TABLE "AuditEvent" DISABLE TRIGGER USER; ${undo}; ALTER TABLE "AuditEvent" ENABLE TRIGGER USER;`);
  }
  expect(await verifyStoredChain(4)).toEqual({ ok: true, count: events.length });
}

const K = CHAINS_PER_INSTANCE;
const [C1, C2, C3] = [1, 1 + K, 1 + 2 * K] as const;
const on = (chain: number, pos: number) => events.find((e) => e.chain === chain && e.chainSeq === pos)!;

beforeAll(async () => {
  ctx = await freshDb();
  await append(2, "a");
  await append(3, "a");
  await releaseAuditChain(); // instance 1 retires: its chain is closed
  await append(5, "b");
  forgetAuditChains(await claimedAuditChains(ctx.databaseUrl)); // instance 2 "crashes": claim connection gone, chains left open
  await new Promise((r) => setTimeout(r, 100));
  await append(4, "c"); // instance 3 claims chain 3 and closes the abandoned chain 2
  await append(1, "c");
  events = (await q<{ seq: string; chain: number; chainSeq: string }>(`SELECT "seq", "chain", "chainSeq" FROM "AuditEvent" ORDER BY "seq"`)).map((r) => ({
    seq: Number(r.seq),
    chain: r.chain,
    chainSeq: Number(r.chainSeq),
  }));
});
afterAll(async () => {
  await ctx.cleanup();
});

describe("per-instance audit chains", () => {
  it("each instance appends to its own chain: gapless positions, global numbers rising, retired and crashed chains closed", async () => {
    expect(events.map((e) => [e.chain, e.chainSeq])).toEqual([
      ...[1, 2, 3, 4, 5].map((p) => [C1, p]),
      ...[1, 2, 3, 4, 5].map((p) => [C2, p]),
      ...[1, 2, 3, 4, 5].map((p) => [C3, p]),
    ]);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const heads = await q<{ id: number; seq: string; closed: boolean }>(`SELECT "id", "seq", "closedAt" IS NOT NULL AS "closed" FROM "AuditChain" ORDER BY "id"`);
    expect(heads).toEqual(Array.from({ length: 3 * K }, (_, i) => ({ id: i + 1, seq: [C1, C2, C3].includes(i + 1) ? "5" : "0", closed: i + 1 <= 2 * K })));
    expect(await verifyStoredChain()).toEqual({ ok: true, count: 15 });
    expect(await verifyStoredChain(4)).toEqual({ ok: true, count: 15 });
  });

  it("a closed chain takes no more appends", async () => {
    for (const id of [C1, C1 + 1, C2, C2 + K - 1]) expect(await sqlTransaction((sql) => reserveChainSeqs(sql, id, 1))).toBeNull();
  });

  it.each([C1, C2, C3])("chain %i: an altered row is named, with its chain", async (chain) => {
    const e = on(chain, 3);
    const [{ reason }] = (await q<{ reason: string }>(`SELECT "reason" FROM "AuditEvent" WHERE "seq" = $1`, [e.seq])) as [{ reason: string }];
    await tampered(`UPDATE "AuditEvent" SET "reason" = 'edited' WHERE "seq" = ${e.seq}`, `UPDATE "AuditEvent" SET "reason" = '${reason}' WHERE "seq" = ${e.seq}`, (r) =>
      expect(r).toEqual({ ok: false, badSeq: e.seq, problem: `chain ${chain}: row content does not match its hash` }),
    );
  });

  it.each([C1, C2, C3])("chain %i: a deleted row breaks the chain at the next one", async (chain) => {
    const e = on(chain, 2);
    await tampered(
      `CREATE TABLE "saved" AS SELECT * FROM "AuditEvent" WHERE "seq" = ${e.seq}; DELETE FROM "AuditEvent" WHERE "seq" = ${e.seq}`,
      `INSERT INTO "AuditEvent" SELECT * FROM "saved"; DROP TABLE "saved"`,
      (r) => expect(r).toEqual({ ok: false, badSeq: on(chain, 3).seq, problem: `chain ${chain}: expected position 2, found 3` }),
    );
  });

  it.each([C1, C2, C3])("chain %i: two rows swapped within the chain", async (chain) => {
    const [a, b] = [on(chain, 2), on(chain, 3)];
    await tampered(
      `UPDATE "AuditEvent" SET "chainSeq" = -1 WHERE "seq" = ${a.seq}; UPDATE "AuditEvent" SET "chainSeq" = 2 WHERE "seq" = ${b.seq}; UPDATE "AuditEvent" SET "chainSeq" = 3 WHERE "seq" = ${a.seq}`,
      `UPDATE "AuditEvent" SET "chainSeq" = -1 WHERE "seq" = ${b.seq}; UPDATE "AuditEvent" SET "chainSeq" = 2 WHERE "seq" = ${a.seq}; UPDATE "AuditEvent" SET "chainSeq" = 3 WHERE "seq" = ${b.seq}`,
      (r) => expect(r).toMatchObject({ ok: false, badSeq: a.seq, problem: `chain ${chain}: expected position 2, found 3` }),
    );
  });

  it.each([C1, C2, C3])("chain %i: a truncated tail is caught by its head row", async (chain) => {
    const e = on(chain, 5);
    await tampered(
      `CREATE TABLE "saved" AS SELECT * FROM "AuditEvent" WHERE "seq" = ${e.seq}; DELETE FROM "AuditEvent" WHERE "seq" = ${e.seq}`,
      `INSERT INTO "AuditEvent" SELECT * FROM "saved"; DROP TABLE "saved"`,
      (r) => expect(r).toEqual({ ok: false, badSeq: on(chain, 4).seq + 1, problem: `chain ${chain}: event missing: the head is at position 5, the chain ends at 4` }),
    );
  });

  it("events reordered across chains (global numbers swapped) fail their hashes", async () => {
    const [a, b] = [on(C1, 5), on(C2, 1)];
    await tampered(
      `UPDATE "AuditEvent" SET "seq" = -1 WHERE "seq" = ${a.seq}; UPDATE "AuditEvent" SET "seq" = ${a.seq} WHERE "seq" = ${b.seq}; UPDATE "AuditEvent" SET "seq" = ${b.seq} WHERE "seq" = -1`,
      `UPDATE "AuditEvent" SET "seq" = -1 WHERE "seq" = ${a.seq}; UPDATE "AuditEvent" SET "seq" = ${a.seq} WHERE "seq" = ${b.seq}; UPDATE "AuditEvent" SET "seq" = ${b.seq} WHERE "seq" = -1`,
      (r) => expect(r).toMatchObject({ ok: false, badSeq: a.seq, problem: `chain ${C2}: row content does not match its hash` }),
    );
  });

  it("an event moved to another chain is found", async () => {
    const e = on(C3, 5);
    await tampered(
      `UPDATE "AuditEvent" SET "chain" = ${C2}, "chainSeq" = 6 WHERE "seq" = ${e.seq}`,
      `UPDATE "AuditEvent" SET "chain" = ${C3}, "chainSeq" = 5 WHERE "seq" = ${e.seq}`,
      (r) => expect(r).toEqual({ ok: false, badSeq: e.seq, problem: `chain ${C2}: previous-hash link is broken` }),
    );
  });

  it("a chain's head row deleted, or a whole chain (events and head) deleted, is found", async () => {
    await tampered(
      `CREATE TABLE "saved_head" AS SELECT * FROM "AuditChain" WHERE "id" = ${C2}; DELETE FROM "AuditChain" WHERE "id" = ${C2}`,
      `INSERT INTO "AuditChain" SELECT * FROM "saved_head"; DROP TABLE "saved_head"`,
      (r) => expect(r).toMatchObject({ ok: false, problem: `chain ${C2}: its head row is missing` }),
    );
    await tampered(
      `CREATE TABLE "saved_head" AS SELECT * FROM "AuditChain" WHERE "id" = ${C2}; DELETE FROM "AuditChain" WHERE "id" = ${C2};
       CREATE TABLE "saved" AS SELECT * FROM "AuditEvent" WHERE "chain" = ${C2}; DELETE FROM "AuditEvent" WHERE "chain" = ${C2}`,
      `INSERT INTO "AuditChain" SELECT * FROM "saved_head"; DROP TABLE "saved_head"; INSERT INTO "AuditEvent" SELECT * FROM "saved"; DROP TABLE "saved"`,
      (r) => expect(r).toMatchObject({ ok: false, problem: `chain ${C2}: its head row is missing` }),
    );
  });

  it("a head row rewound or pointed elsewhere is found", async () => {
    await q(`UPDATE "AuditChain" SET "hash" = 'x' || "hash" WHERE "id" = ${C1}`);
    try {
      expect(await verifyStoredChain()).toMatchObject({ ok: false, problem: `chain ${C1}: the head hash does not match the last event` });
    } finally {
      await q(`UPDATE "AuditChain" SET "hash" = substr("hash", 2) WHERE "id" = ${C1}`);
    }
    await q(`UPDATE "AuditChain" SET "seq" = 4 WHERE "id" = ${C3}`);
    try {
      expect(await verifyStoredChain()).toMatchObject({ ok: false, problem: `chain ${C3}: the head is at position 4, behind the chain's last event 5` });
    } finally {
      await q(`UPDATE "AuditChain" SET "seq" = 5 WHERE "id" = ${C3}`);
    }
    // An empty chain's head moved forward (claims events it never had).
    await q(`UPDATE "AuditChain" SET "seq" = 1 WHERE "id" = ${C1 + 1}`);
    try {
      expect(await verifyStoredChain()).toMatchObject({ ok: false, problem: `chain ${C1 + 1}: event missing: the head is at position 1, the chain ends at 0` });
    } finally {
      await q(`UPDATE "AuditChain" SET "seq" = 0 WHERE "id" = ${C1 + 1}`);
    }
    expect(await verifyStoredChain()).toEqual({ ok: true, count: 15 });
  });
});

describe("upgrading a PostgreSQL log from one chain", () => {
  it("the events from before stay chain 0 and verify; new ones go on instance chains numbered after them", async () => {
    const empty = await emptyDatabase();
    try {
      await migratePostgres(
        empty.url,
        loadMigrations("postgres").filter((m) => m.name < "20261201125633_audit_instance_chains"),
      );
      await appendLegacyEvents(empty.url, 3); // as the previous build appended them: chain 0, the old record format
      await migratePostgres(empty.url);
      await closeDb();
      process.env.DATABASE_URL = empty.url;
      resetEnvForTests();
      db();
      expect(await append(2, "new")).toEqual([4, 5]);
      const rows = await q<{ seq: string; chain: number; chainSeq: string | null }>(`SELECT "seq", "chain", "chainSeq" FROM "AuditEvent" ORDER BY "seq"`, [], empty.url);
      expect(rows).toEqual([
        { seq: "1", chain: 0, chainSeq: null },
        { seq: "2", chain: 0, chainSeq: null },
        { seq: "3", chain: 0, chainSeq: null },
        { seq: "4", chain: 1, chainSeq: "1" },
        { seq: "5", chain: 1, chainSeq: "2" },
      ]);
      expect(await verifyStoredChain(2)).toEqual({ ok: true, count: 5 });
    } finally {
      await closeDb();
      process.env.DATABASE_URL = ctx.databaseUrl;
      resetEnvForTests();
      db();
      await empty.drop();
    }
  });
});
