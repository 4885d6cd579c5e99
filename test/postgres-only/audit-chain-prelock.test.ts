import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDb } from "../support/db";
import { queryOnce } from "./support/pg-admin";
import { atCommit, sqlTransaction } from "@/lib/db/sql";
import { appendAudit } from "@/lib/audit/append";
import { verifyStoredChain } from "@/lib/audit/verify-stored-chain";
import { takeRunStepBeforeAppend } from "@/lib/db/tables/run";

// A proposal's budget UPDATE also locks one of this instance's free audit chains (FOR UPDATE SKIP
// LOCKED, not advanced) and draws its global numbers, so the append at commit needs no reserve
// statement (lib/db/tables/audit-event.ts, runWithChainPrelock). The lock is real (a concurrent
// append takes another chain), positions stay gapless whether the append fits the numbers drawn or
// not, and a rollback leaves the chain as it was.

let ctx: Awaited<ReturnType<typeof freshDb>>;

const q = <T extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<T[]> => queryOnce<T>(ctx.databaseUrl, text, params);

const ev = (tag: string, n: number) => Array.from({ length: n }, (_, i) => ({ type: "test.prelock", actorType: "system" as const, reason: `${tag} ${i}` }));
const step = { id: "run_none", now: new Date(), costMicros: 0 };
const chainOf = async (tag: string) =>
  (await q<{ chain: number; chainSeq: string; seq: string }>(`SELECT "chain", "chainSeq", "seq" FROM "AuditEvent" WHERE "reason" LIKE $1 ORDER BY "seq"`, [`${tag} %`])).map(
    (r) => ({
      chain: r.chain,
      pos: Number(r.chainSeq),
      seq: Number(r.seq),
    }),
  );
const heads = async () =>
  Object.fromEntries((await q<{ id: number; seq: string }>(`SELECT "id", "seq" FROM "AuditChain" WHERE "id" > 0 ORDER BY "id"`)).map((r) => [r.id, Number(r.seq)]));

beforeAll(async () => {
  ctx = await freshDb();
  await sqlTransaction((sql) => appendAudit(sql, ...ev("warm", 1))); // claims this instance's chains
});
afterAll(async () => {
  await ctx.cleanup();
});

describe("the chain locked by the budget UPDATE", () => {
  it("holds the chain to COMMIT: a concurrent append goes on another chain; both follow their heads", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const first = sqlTransaction(
      atCommit(async (sql) => {
        expect(await takeRunStepBeforeAppend(sql, step, 2)).toBe(false); // no such run: nothing taken, the chain still locked
        await appendAudit(sql, ...ev("first", 2));
        locked();
        await held;
      }),
    );
    await isLocked;
    await sqlTransaction(atCommit((sql) => appendAudit(sql, ...ev("second", 1))));
    release();
    await first;
    const [a, b] = [await chainOf("first"), await chainOf("second")];
    expect(a.map((e) => e.pos)).toEqual([2, 3]); // the warm-up event is position 1 of the lowest chain
    expect(new Set(a.map((e) => e.chain)).size).toBe(1);
    expect(b[0]!.chain).not.toBe(a[0]!.chain);
    expect(b[0]!.pos).toBe(1);
    expect(a[1]!.seq).toBeGreaterThan(a[0]!.seq);
    const h = await heads();
    expect(h[a[0]!.chain]).toBe(3);
    expect(h[b[0]!.chain]).toBe(1);
    expect(await verifyStoredChain(100)).toMatchObject({ ok: true });
  });

  it("an append of more events than numbers drawn reserves as usual: positions gapless", async () => {
    await sqlTransaction(
      atCommit(async (sql) => {
        await takeRunStepBeforeAppend(sql, step, 1);
        await appendAudit(sql, ...ev("more", 3));
      }),
    );
    const more = await chainOf("more");
    const before = (await chainOf("first")).concat(await chainOf("warm")).filter((e) => e.chain === more[0]!.chain);
    const top = Math.max(0, ...before.map((e) => e.pos));
    expect(more.map((e) => e.pos)).toEqual([top + 1, top + 2, top + 3]);
    expect(await verifyStoredChain(100)).toMatchObject({ ok: true });
  });

  it("a rollback after the lock leaves the chain as it was; the next append continues from its head", async () => {
    const h0 = await heads();
    await expect(
      sqlTransaction(
        atCommit(async (sql) => {
          await takeRunStepBeforeAppend(sql, step, 2);
          await appendAudit(sql, ...ev("rolled", 2));
          throw new Error("rolled back");
        }),
      ),
    ).rejects.toThrow("rolled back");
    expect(await heads()).toEqual(h0);
    expect(await chainOf("rolled")).toEqual([]);
    await sqlTransaction(
      atCommit(async (sql) => {
        await takeRunStepBeforeAppend(sql, step, 2);
        await appendAudit(sql, ...ev("after", 2));
      }),
    );
    const after = await chainOf("after");
    expect(after.map((e) => e.pos)).toEqual([h0[after[0]!.chain]! + 1, h0[after[0]!.chain]! + 2]);
    expect(await verifyStoredChain(100)).toMatchObject({ ok: true });
  });
});
