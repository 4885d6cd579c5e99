import { asDate, asNumber, sqlRead } from "@/lib/db/sql";
import { GENESIS_HASH, hashAuditRecord, type ChainRow } from "@/lib/audit/chain";
import { fastAuditRecordHash } from "@/lib/audit/fast-record-hash";

export const VERIFY_BATCH = 5_000;

export type StoredChainCheck = { ok: true; count: number } | { ok: false; badSeq: number; problem: string };

/**
 * Verify every stored audit event in sequence order, a batch at a time
 * (keyset on seq, so memory stays flat at millions of rows), then check that
 * the head row — which the next append builds on — points at the last event.
 * A truncated tail shows up only in that last check. Shared by the console's
 * verify button and `npm run audit:verify`.
 */
export async function verifyStoredChain(batchSize = VERIFY_BATCH): Promise<StoredChainCheck> {
  let last = { seq: 0, hash: GENESIS_HASH };
  let count = 0;
  for (;;) {
    // Raw SQL on the read connection: through the ORM, 1M rows took minutes (row mapping), and a
    // read on its own connection never holds up the agent API's writes (bench P6).
    const batch = await sqlRead((sql) => sql.all<Record<string, unknown>>(BATCH, [last.seq, batchSize]));
    if (batch.length === 0) break;
    const rows: ChainRow[] = batch.map(toChainRow);
    for (const row of rows) {
      // The same checks, in the same order and words, as verifyChain in lib/audit/chain.ts.
      if (row.seq !== last.seq + 1) return { ok: false, badSeq: row.seq, problem: `expected sequence ${last.seq + 1}, found ${row.seq}` };
      if (row.prevHash !== last.hash) return { ok: false, badSeq: row.seq, problem: "previous-hash link is broken" };
      const hash = row.hash;
      // Fast path first (it reads only the record's own keys, so the row goes in as it is);
      // a mismatch is confirmed with the reference hash before it is reported.
      if (fastAuditRecordHash(row) !== hash) {
        const { hash: _stored, ...record } = row;
        if (hashAuditRecord(record) !== hash) return { ok: false, badSeq: row.seq, problem: "row content does not match its hash" };
      }
      last = { seq: row.seq, hash };
      count++;
    }
  }
  const headRow = await sqlRead((sql) => sql.get<{ seq: unknown; hash: string }>(`SELECT "seq", "hash" FROM "AuditHead" WHERE "id" = 1`));
  const head = headRow ? { seq: asNumber(headRow.seq), hash: headRow.hash } : null;
  if (!head) return { ok: false, badSeq: last.seq + 1, problem: "the audit head row is missing" };
  if (head.seq > last.seq) return { ok: false, badSeq: last.seq + 1, problem: `event missing: the head is at sequence ${head.seq}, the log ends at ${last.seq}` };
  if (head.seq < last.seq) return { ok: false, badSeq: head.seq + 1, problem: `the head is at sequence ${head.seq}, behind the log's last event ${last.seq}` };
  if (head.hash !== last.hash) return { ok: false, badSeq: last.seq, problem: "the head hash does not match the last event" };
  return { ok: true, count };
}

const COLUMNS = [
  "seq", "at", "requestId", "actorType", "actorId", "type", "tenantId", "env", "route", "tool", "argsHash", "idempotencyKey",
  "credentialScope", "actionId", "runId", "approvalIds", "breakGlassSessionId", "status", "reason", "durationMs", "jti", "data",
  "prevHash", "hash",
] as const;

const BATCH = `SELECT ${COLUMNS.map((c) => `"${c}"`).join(", ")} FROM "AuditEvent" WHERE "seq" > ? ORDER BY "seq" LIMIT ?`;

/** In place: at a million rows, a copy per row is most of the garbage collector's work. */
function toChainRow(r: Record<string, unknown>): ChainRow {
  r.seq = asNumber(r.seq);
  // SQLite holds the ORM's "…T…+00:00" text: the same instant as toISOString's "…Z" form.
  r.at = typeof r.at === "string" && ISO_UTC_OFFSET.test(r.at) ? `${r.at.slice(0, -6)}Z` : asDate(r.at)!.toISOString();
  if (r.durationMs !== null && r.durationMs !== undefined) r.durationMs = asNumber(r.durationMs);
  return r as ChainRow;
}

const ISO_UTC_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/;
