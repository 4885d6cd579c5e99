import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDb } from "./support/db";
import { db } from "@/lib/db/client";
import { appendAudit } from "@/lib/audit/append";
import { verifyStoredChain } from "@/lib/audit/verify-stored-chain";
import { hashAuditRecord, type AuditRecord } from "@/lib/audit/chain";
import { KEYS_SORTED, KEYS_SORTED_CHAINED, fastAuditHashOfValues, fastAuditRecordHash } from "@/lib/audit/fast-record-hash";

let cleanup: () => Promise<void>;
let databaseUrl: string;
beforeAll(async () => {
  ({ cleanup, databaseUrl } = await freshDb());
  await db().$transaction((tx) => appendAudit(tx, ...Array.from({ length: 12 }, (_, i) => ({ type: "test.event", actorType: "system" as const, tenantId: "acme", data: { i } }))));
});
afterAll(() => cleanup());

/** Alter the log the way someone with direct database access would: drop the trigger, then UPDATE. */
async function tamper(sql: string): Promise<void> {
  if (databaseUrl.startsWith("file:")) {
    const raw = new Database(databaseUrl.slice("file:".length));
    try {
      raw.exec(`DROP TRIGGER IF EXISTS "AuditEvent_no_update"`);
      raw.exec(sql);
    } finally {
      raw.close();
    }
    return;
  }
  const raw = new pg.Client({ connectionString: databaseUrl });
  await raw.connect();
  try {
    await raw.query(`DROP TRIGGER IF EXISTS "AuditEvent_no_update" ON "AuditEvent"`);
    await raw.query(sql);
  } finally {
    await raw.end();
  }
}

describe("verifyStoredChain (the console's verify button)", () => {
  it("passes an intact chain, across batch boundaries", async () => {
    expect(await verifyStoredChain()).toEqual({ ok: true, count: 12 });
    expect(await verifyStoredChain(5)).toEqual({ ok: true, count: 12 });
  });

  it("an UPDATE is refused while the trigger stands", async () => {
    await expect(db().$executeRawUnsafe(`UPDATE "AuditEvent" SET "status" = 'x' WHERE "seq" = 3`)).rejects.toThrow();
  });

  it("a row altered with raw SQL fails verification at exactly that sequence", async () => {
    await tamper(`UPDATE "AuditEvent" SET "tenantId" = 'globex' WHERE "seq" = 8`);
    const res = await verifyStoredChain(5);
    expect(res).toMatchObject({ ok: false, badSeq: 8 });
    expect(await verifyStoredChain()).toMatchObject({ ok: false, badSeq: 8 });
  });
});

describe("fastAuditRecordHash", () => {
  it("equals the RFC 8785 reference hash, escapes and unicode included", () => {
    const base: AuditRecord = {
      seq: 7,
      at: "2026-11-24T23:00:00.000Z",
      requestId: "req_1",
      actorType: "user",
      actorId: "u\u2028x",
      type: "t",
      tenantId: null,
      env: "prod",
      route: "r/é",
      tool: 't."q"',
      argsHash: null,
      idempotencyKey: "k\n",
      credentialScope: null,
      actionId: "a",
      runId: null,
      approvalIds: '["a","b"]',
      breakGlassSessionId: null,
      status: "ok",
      reason: "emoji 🚨 and \\ and \u0001",
      durationMs: 0,
      jti: null,
      data: '{"x":1}',
      prevHash: "genesis",
    };
    // Strings the fast path copies unescaped next to ones it must hand to the serialiser.
    const strings = ["", "plain", "tab\there", "\b\f\r", "\u001f", "\u007f", "pair 🚨", 'q"', "back\\slash", "\u2029"];
    const records = [base, { ...base, durationMs: null, seq: 1_000_000 }, ...strings.map((x) => ({ ...base, reason: x, route: x || null }))];
    for (const r of records) {
      expect(fastAuditRecordHash(r)).toBe(hashAuditRecord(r));
      expect(
        fastAuditHashOfValues(
          KEYS_SORTED.map((k) => r[k]),
          KEYS_SORTED.map((_, i) => i),
        ),
      ).toBe(hashAuditRecord(r));
    }
  });

  it("a record on a chain ≥ 1 hashes its chain and position too (the same on both paths); chain 0 hashes neither", () => {
    const r: AuditRecord = {
      seq: 2 ** 40,
      at: "2026-11-24T23:00:00.000Z",
      requestId: null,
      actorType: "agent",
      actorId: "cred_1",
      type: "action.decided",
      tenantId: "acme",
      env: "prod",
      route: "support/send",
      tool: "email.send",
      argsHash: "h",
      idempotencyKey: "k",
      credentialScope: null,
      actionId: "act_1",
      runId: "run_1",
      approvalIds: null,
      breakGlassSessionId: null,
      status: "allowed",
      reason: "ok",
      durationMs: null,
      jti: null,
      data: "{}",
      prevHash: "genesis",
      chain: 3,
      chainSeq: 17,
    };
    expect(fastAuditRecordHash(r)).toBe(hashAuditRecord(r));
    expect(
      fastAuditHashOfValues(
        KEYS_SORTED_CHAINED.map((k) => r[k]),
        KEYS_SORTED_CHAINED.map((_, i) => i),
      ),
    ).toBe(hashAuditRecord(r));
    // Moving the event to another chain or position changes its hash.
    expect(hashAuditRecord({ ...r, chain: 4 })).not.toBe(hashAuditRecord(r));
    expect(hashAuditRecord({ ...r, chainSeq: 18 })).not.toBe(hashAuditRecord(r));
    // Chain 0 is the format from before: the chain keys are not hashed, whatever the row holds.
    const { chain: _c, chainSeq: _s, ...legacy } = r;
    expect(hashAuditRecord({ ...r, chain: 0, chainSeq: undefined })).toBe(hashAuditRecord(legacy));
    expect(fastAuditRecordHash({ ...legacy, chain: 0 })).toBe(hashAuditRecord(legacy));
  });
});
