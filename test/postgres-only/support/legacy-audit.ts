import pg from "pg";
import { GENESIS_HASH, hashAuditRecord, type AuditRecord } from "@/lib/audit/chain";

/**
 * Append `n` events to chain 0 the way builds before per-instance chains did (seq = position, the
 * record without chain keys, AuditHead moved), on a database migrated only that far.
 */
export async function appendLegacyEvents(url: string, n: number): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const head = (await c.query<{ seq: string; hash: string }>(`SELECT "seq"::text AS "seq", "hash" FROM "AuditHead" WHERE "id" = 1`)).rows[0]!;
    let seq = Number(head.seq);
    let prev = head.seq === "0" ? GENESIS_HASH : head.hash;
    for (let i = 0; i < n; i++) {
      seq++;
      const r: AuditRecord = {
        seq,
        at: new Date(Date.UTC(2026, 10, 30, 12, 0, 0, seq)).toISOString(),
        requestId: null,
        actorType: "system",
        actorId: null,
        type: "test.legacy",
        tenantId: null,
        env: null,
        route: null,
        tool: null,
        argsHash: null,
        idempotencyKey: null,
        credentialScope: null,
        actionId: null,
        runId: null,
        approvalIds: null,
        breakGlassSessionId: null,
        status: null,
        reason: `legacy ${seq}`,
        durationMs: null,
        jti: null,
        data: "{}",
        prevHash: prev,
      };
      const hash = hashAuditRecord(r);
      await c.query(`INSERT INTO "AuditEvent" ("seq","at","actorType","type","reason","data","prevHash","hash") VALUES ($1, $2, 'system', 'test.legacy', $3, '{}', $4, $5)`, [
        seq,
        r.at.replace("Z", ""),
        r.reason,
        prev,
        hash,
      ]);
      prev = hash;
    }
    await c.query(`UPDATE "AuditHead" SET "seq" = $1, "hash" = $2 WHERE "id" = 1`, [seq, prev]);
  } finally {
    await c.end();
  }
}
