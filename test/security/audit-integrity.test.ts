import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDb } from "../support/db";
import { onPostgres } from "../support/provider";
import { db } from "@/lib/db/client";
import { appendAudit } from "@/lib/audit/append";
import { verifyStoredChain } from "@/lib/audit/verify-stored-chain";
import { csvCell } from "@/lib/audit/export";

// Threat: someone with database access (or a bug) rewrites history. The
// database refuses UPDATE/DELETE on audit rows; anything done around that
// (dropping the trigger first) is detected by the chain at the altered row.

let cleanup: () => Promise<void>;
let databaseUrl: string;

beforeAll(async () => {
  ({ cleanup, databaseUrl } = await freshDb());
  await db().$transaction((tx) =>
    appendAudit(tx, ...Array.from({ length: 10 }, (_, i) => ({ type: "sec.event", actorType: "system" as const, tenantId: "acme", status: "ok", data: { i } }))),
  );
});
afterAll(() => cleanup());

// The raw-connection cases speak SQLite; the PostgreSQL suite (test/postgres-only) covers its own triggers.

/** A second, raw connection: what an attacker with the file would use. */
function withRaw<T>(fn: (raw: Database.Database) => T): T {
  const raw = new Database(databaseUrl.slice("file:".length));
  try {
    return fn(raw);
  } finally {
    raw.close();
  }
}

/** Tamper with the triggers out of the way, check, then put the row(s) back and the triggers too. */
function tamper(sql: string, restore: string) {
  withRaw((raw) => {
    raw.exec(`DROP TRIGGER IF EXISTS "AuditEvent_no_update"; DROP TRIGGER IF EXISTS "AuditEvent_no_delete";`);
    raw.exec(sql);
  });
  return async () => {
    withRaw((raw) => {
      raw.exec(restore);
      raw.exec(`CREATE TRIGGER "AuditEvent_no_update" BEFORE UPDATE ON "AuditEvent" BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
                CREATE TRIGGER "AuditEvent_no_delete" BEFORE DELETE ON "AuditEvent" BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;`);
    });
    expect(await verifyStoredChain()).toMatchObject({ ok: true });
  };
}

describe("audit rows are append-only in the database itself", () => {
  it("UPDATE is refused through the app's client", async () => {
    await expect(db().$executeRawUnsafe(`UPDATE "AuditEvent" SET "status" = 'denied' WHERE "seq" = 2`)).rejects.toThrow();
    await expect(db().auditEvent.updateMany({ data: { status: "x" } })).rejects.toThrow();
  });

  it("DELETE is refused through the app's client", async () => {
    await expect(db().$executeRawUnsafe(`DELETE FROM "AuditEvent" WHERE "seq" = 2`)).rejects.toThrow();
    await expect(db().auditEvent.deleteMany({})).rejects.toThrow();
    expect(await db().auditEvent.count()).toBe(10);
  });

  it.skipIf(onPostgres)("UPDATE and DELETE are refused on a separate raw connection too", () => {
    withRaw((raw) => {
      expect(() => raw.exec(`UPDATE "AuditEvent" SET "tenantId" = 'globex'`)).toThrow(/append-only/);
      expect(() => raw.exec(`DELETE FROM "AuditEvent"`)).toThrow(/append-only/);
    });
  });

  it.skipIf(onPostgres)("INSERT OR REPLACE (which skips SQLite's delete trigger) cannot rewrite a row", async () => {
    expect(() =>
      withRaw((raw) =>
        raw.exec(`CREATE TEMP TABLE "sec_fake" AS SELECT * FROM "AuditEvent" WHERE "seq" = 3;
                  UPDATE "sec_fake" SET "tenantId" = 'globex';
                  INSERT OR REPLACE INTO "AuditEvent" SELECT * FROM "sec_fake";`),
      ),
    ).toThrow(/append-only/);
    expect(await db().auditEvent.findUniqueOrThrow({ where: { seq: 3 } })).not.toMatchObject({ tenantId: "globex" });
    expect(await verifyStoredChain()).toMatchObject({ ok: true });
  });
});

describe.skipIf(onPostgres)("tampering around the triggers is detected at the altered row", () => {
  it("a changed field", async () => {
    const restore = tamper(`UPDATE "AuditEvent" SET "status" = 'denied' WHERE "seq" = 4`, `UPDATE "AuditEvent" SET "status" = 'ok' WHERE "seq" = 4`);
    expect(await verifyStoredChain()).toMatchObject({ ok: false, badSeq: 4 });
    await restore();
  });

  it("a changed row with its own hash recomputed still breaks the next link", async () => {
    const row = withRaw((raw) => raw.prepare(`SELECT "hash" FROM "AuditEvent" WHERE "seq" = 5`).get() as { hash: string });
    const restore = tamper(
      `UPDATE "AuditEvent" SET "hash" = (CASE WHEN substr("hash", 1, 1) = 'f' THEN 'e' ELSE 'f' END) || substr("hash", 2) WHERE "seq" = 5`,
      `UPDATE "AuditEvent" SET "hash" = '${row.hash}' WHERE "seq" = 5`,
    );
    const res = await verifyStoredChain();
    expect(res.ok).toBe(false);
    expect([5, 6]).toContain((res as { badSeq: number }).badSeq);
    await restore();
  });

  it("a removed row", async () => {
    withRaw((raw) => raw.exec(`CREATE TABLE "sec_saved" AS SELECT * FROM "AuditEvent" WHERE "seq" = 6`));
    const restore = tamper(`DELETE FROM "AuditEvent" WHERE "seq" = 6`, `INSERT INTO "AuditEvent" SELECT * FROM "sec_saved"; DROP TABLE "sec_saved";`);
    expect(await verifyStoredChain()).toMatchObject({ ok: false });
    const res = (await verifyStoredChain()) as { badSeq: number };
    expect([6, 7]).toContain(res.badSeq);
    await restore();
  });

  it("a removed tail (last row gone)", async () => {
    withRaw((raw) => raw.exec(`CREATE TABLE "sec_tail" AS SELECT * FROM "AuditEvent" WHERE "seq" = 10`));
    const restore = tamper(`DELETE FROM "AuditEvent" WHERE "seq" = 10`, `INSERT INTO "AuditEvent" SELECT * FROM "sec_tail"; DROP TABLE "sec_tail";`);
    expect(await verifyStoredChain()).toMatchObject({ ok: false, badSeq: 10 });
    await restore();
  });

  it("two rows swapped (reordered)", async () => {
    const swap = `UPDATE "AuditEvent" SET "seq" = -1 WHERE "seq" = 7; UPDATE "AuditEvent" SET "seq" = 7 WHERE "seq" = 8; UPDATE "AuditEvent" SET "seq" = 8 WHERE "seq" = -1;`;
    const restore = tamper(swap, swap);
    const res = await verifyStoredChain();
    expect(res.ok).toBe(false);
    expect([7, 8]).toContain((res as { badSeq: number }).badSeq);
    await restore();
  });
});

describe("exported audit text is inert", () => {
  it.each(['=HYPERLINK("http://evil")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx"])("a CSV cell starting %j cannot run as a formula", (v) => {
    const cell = csvCell(v);
    expect(cell.replace(/^"/, "").startsWith("'")).toBe(true);
  });
});
