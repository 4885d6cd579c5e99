import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDb } from "./support/db";
import { onPostgres } from "./support/provider";
import { db } from "@/lib/db/client";
import { appendAudit } from "@/lib/audit/append";
import { verifyChain, type ChainRow } from "@/lib/audit/chain";

let cleanup: () => Promise<void>;
beforeAll(async () => ({ cleanup } = await freshDb()));
afterAll(() => cleanup());

async function rows(): Promise<ChainRow[]> {
  const all = await db().auditEvent.findMany({ orderBy: { seq: "asc" } });
  return all.map((r) => ({ ...r, seq: Number(r.seq), at: r.at.toISOString() }));
}

describe("audit chain", () => {
  it("appends stay linear under concurrent transactions", async () => {
    await Promise.all(Array.from({ length: 40 }, (_, i) => db().$transaction((tx) => appendAudit(tx, { type: "test.event", actorType: "system", data: { i } }))));
    const all = await rows();
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(verifyChain(all)).toMatchObject({ ok: true, count: 40 });
  });

  it("a rolled-back transaction leaves no audit row and no gap", async () => {
    const before = (await rows()).length;
    await expect(
      db().$transaction(async (tx) => {
        await appendAudit(tx, { type: "test.rollback", actorType: "system" });
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    await db().$transaction((tx) => appendAudit(tx, { type: "test.after", actorType: "system" }));
    const all = await rows();
    expect(all.length).toBe(before + 1);
    expect(verifyChain(all).ok).toBe(true);
  });

  it("the database refuses UPDATE and DELETE of audit rows", async () => {
    await expect(db().$executeRawUnsafe(`UPDATE "AuditEvent" SET "type" = 'x' WHERE "seq" = 1`)).rejects.toThrow(/append-only/);
    await expect(db().$executeRawUnsafe(`DELETE FROM "AuditEvent" WHERE "seq" = 1`)).rejects.toThrow(/append-only/);
  });

  it("verification names the altered, removed or reordered row", () => {
    return rows().then((all) => {
      const altered = all.map((r) => (r.seq === 7 ? { ...r, data: '{"i":999}' } : r));
      expect(verifyChain(altered)).toMatchObject({ ok: false, badSeq: 7 });
      // Found at the removed row's successor on its own chain (SQLite: the one chain, so seq 13;
      // PostgreSQL: the concurrent appends spread over the instance's chains).
      const chainOf12 = all.find((r) => r.seq === 12)!.chain;
      const successor = all.find((r) => r.seq > 12 && r.chain === chainOf12)!.seq;
      const removed = all.filter((r) => r.seq !== 12);
      expect(verifyChain(removed)).toMatchObject({ ok: false, badSeq: successor });
      if (!onPostgres) expect(successor).toBe(13);
      const swapped = [...all];
      [swapped[3], swapped[4]] = [swapped[4]!, swapped[3]!];
      // Rows 4 and 5 trade places: the first one out of order (or off its chain) is named.
      expect([4, 5]).toContain((verifyChain(swapped) as { badSeq: number }).badSeq);
      expect(verifyChain(swapped).ok).toBe(false);
    });
  });
});
