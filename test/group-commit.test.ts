import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDb } from "./support/db";
import { onPostgres } from "./support/provider";
import { appendAudit } from "@/lib/audit/append";
import { sqlRead, sqlTransaction } from "@/lib/db/sql";
import { verifyStoredChain } from "@/lib/audit/verify-stored-chain";
import { provider } from "@/lib/db/client";

// Raw write transactions that queue up share one COMMIT on SQLite (lib/db/sqlite/sqlite-group-commit.ts).
// On PostgreSQL each is its own transaction; the same guarantees must hold there too.

let cleanup: () => Promise<void>;
let dataDir: string;

beforeAll(async () => {
  const db = await freshDb();
  cleanup = db.cleanup;
  dataDir = db.dataDir;
});
afterAll(() => cleanup());

const event = (i: number) => ({ type: "test.group", actorType: "system" as const, reason: `m${i}` });

async function reasons(): Promise<string[]> {
  const rows = await sqlRead((sql) => sql.all<{ reason: string }>(`SELECT "reason" FROM "AuditEvent" WHERE "type" = 'test.group' ORDER BY "seq"`));
  return rows.map((r) => r.reason);
}

describe("concurrent raw write transactions", () => {
  it("commit each one's writes; one that throws loses only its own, and the chain stays whole", async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        sqlTransaction(async (sql) => {
          await appendAudit(sql, event(i));
          if (i === 7) throw new Error("member 7 fails after writing");
          return i;
        }),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled").map((r) => (r as PromiseFulfilledResult<number>).value)).toEqual(
      Array.from({ length: 20 }, (_, i) => i).filter((i) => i !== 7),
    );
    expect((results[7] as PromiseRejectedResult).reason.message).toBe("member 7 fails after writing");
    const got = await reasons();
    expect(got).toHaveLength(19);
    expect(got).not.toContain("m7");
    expect(await verifyStoredChain()).toMatchObject({ ok: true });
  });

  // The second-connection check reads SQLite's file.
  it.skipIf(onPostgres)("settle only after their writes are committed and visible to another connection", async () => {
    const other = new Database(path.join(dataDir, "gatehouse.db"), { readonly: true });
    try {
      const seen = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          sqlTransaction((sql) => appendAudit(sql, { ...event(100 + i), type: "test.visible" })).then(
            ([seq]) => other.prepare(`SELECT COUNT(*) AS n FROM "AuditEvent" WHERE "seq" = ?`).get(seq) as { n: number },
          ),
        ),
      );
      expect(seen.map((s) => s.n)).toEqual(Array(10).fill(1));
    } finally {
      other.close();
    }
  });

  it("fail together when the shared transaction is lost, and leave nothing behind", async () => {
    const before = (await reasons()).length;
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        sqlTransaction(async (sql) => {
          await appendAudit(sql, event(200 + i));
          // Ending the transaction from inside stands for an I/O error that makes SQLite roll back.
          if (i === 3) await sql.run("ROLLBACK");
          return i;
        }),
      ),
    );
    const settled = results.map((r) => r.status);
    if (provider() === "sqlite") {
      // Members 0–3 shared the lost transaction; 4 and 5 ran in the next group.
      expect(settled).toEqual(["rejected", "rejected", "rejected", "rejected", "fulfilled", "fulfilled"]);
      expect((await reasons()).slice(before)).toEqual(["m204", "m205"]);
    } else {
      // Each is its own transaction on PostgreSQL: only member 3's work is gone.
      expect((await reasons()).slice(before)).not.toContain("m203");
    }
    expect(await verifyStoredChain()).toMatchObject({ ok: true });
  });

  // Group commit is SQLite's.
  it.skipIf(onPostgres)("let the event loop turn while a long group runs; every member's writes land, in order", async () => {
    // Run in one go, a group held the loop until its COMMIT: new connections and requests waited.
    let finished = 0;
    let atFirstTurn = -1;
    const before = (await reasons()).length;
    const work = Promise.all(
      Array.from({ length: 32 }, (_, i) =>
        sqlTransaction(async (sql) => {
          await appendAudit(sql, event(300 + i));
          finished++;
        }),
      ),
    );
    setImmediate(() => (atFirstTurn = finished));
    await work;
    // The loop turned after some members and before the last; nothing was visible before the COMMIT.
    expect(atFirstTurn).toBeGreaterThan(0);
    expect(atFirstTurn).toBeLessThan(32);
    expect((await reasons()).slice(before)).toEqual(Array.from({ length: 32 }, (_, i) => `m${300 + i}`));
    expect(await verifyStoredChain()).toMatchObject({ ok: true });
  });
});
