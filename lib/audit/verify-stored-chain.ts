import "server-only";
import { sqlRead } from "@/lib/db/sql";
import { AUDIT_EVENT_COLUMNS, auditEventValueBatch, readAuditHead } from "@/lib/db/tables/audit-event";
import { listAuditChainHeads, type AuditChainHead } from "@/lib/db/tables/audit-chain";
import { ChainWalker, GENESIS_HASH, hashAuditRecord, type AuditRecord } from "@/lib/audit/chain";
import { KEYS_SORTED, KEYS_SORTED_CHAINED, fastAuditHashOfValues } from "@/lib/audit/fast-record-hash";

/**
 * Rows per keyset batch. Small batches die young: at 5,000 rows a batch
 * outlived the young-generation collections and garbage collection was a third
 * of a 1M-event run (10.9 s); at 1,000 it is under a tenth (7.5 s). Each batch
 * is one short hold of the SQLite lock, so other requests interleave.
 */
export const VERIFY_BATCH = 1_000;

export type StoredChainCheck = { ok: true; count: number } | { ok: false; badSeq: number; problem: string };

/**
 * Verify every stored audit event, a batch at a time in global sequence order
 * (keyset on seq, so memory stays flat at millions of rows), every chain on
 * its own (ChainWalker: chain 0, and on PostgreSQL one chain per instance),
 * then check that each chain's head row — which its next append builds on —
 * points at its last event, and that no chain's head row is missing. A
 * truncated tail shows up only in those last checks. Shared by the console's
 * verify button and `npm run audit:verify`.
 */
export async function verifyStoredChain(batchSize = VERIFY_BATCH): Promise<StoredChainCheck> {
  const walker = new ChainWalker();
  let after = 0;
  let count = 0;
  for (;;) {
    // Raw SQL on the read connection, rows as arrays: through the ORM 1M rows took minutes, and an
    // object per row was most of the remaining time (bench P6). A read here never holds up writes.
    const batch = await sqlRead((sql) => auditEventValueBatch(sql, after, batchSize));
    if (batch.length === 0) break;
    for (const v of batch) {
      const seq = v[SEQ] as number;
      const chain = v[CHAIN] as number;
      const hash = v[HASH] as string;
      const index = chain ? KEY_INDEX_CHAINED : KEY_INDEX;
      // Fast path first; a mismatch is confirmed with the reference hash before it is reported.
      const problem = walker.step(
        seq,
        chain,
        chain ? (v[CHAIN_SEQ] as number) : seq,
        v[PREV],
        hash,
        () => fastAuditHashOfValues(v, index) === hash || referenceHashMatches(v, hash),
      );
      if (problem) return { ok: false, badSeq: seq, problem };
      after = seq;
      count++;
    }
  }
  const head = await sqlRead((sql) => readAuditHead(sql));
  const last = walker.chains.get(0)!;
  if (!head) return { ok: false, badSeq: last.pos + 1, problem: "the audit head row is missing" };
  if (head.seq > last.pos) return { ok: false, badSeq: last.pos + 1, problem: `event missing: the head is at sequence ${head.seq}, the log ends at ${last.pos}` };
  if (head.seq < last.pos) return { ok: false, badSeq: head.seq + 1, problem: `the head is at sequence ${head.seq}, behind the log's last event ${last.pos}` };
  if (head.hash !== last.hash) return { ok: false, badSeq: last.pos, problem: "the head hash does not match the last event" };
  return checkChainHeads(walker, await sqlRead((sql) => listAuditChainHeads(sql)), count);
}

/** Chains ≥ 1: ids 1…n, each head row at its chain's last event, no events without a head row. */
function checkChainHeads(walker: ChainWalker, heads: AuditChainHead[], count: number): StoredChainCheck {
  const byId = new Map(heads.map((h) => [h.id, h]));
  for (const h of heads) {
    const at = walker.chains.get(h.id) ?? { pos: 0, hash: GENESIS_HASH, seq: 0 };
    const where = `chain ${h.id}: `;
    if (h.seq > at.pos) return { ok: false, badSeq: at.seq + 1, problem: `${where}event missing: the head is at position ${h.seq}, the chain ends at ${at.pos}` };
    if (h.seq < at.pos) return { ok: false, badSeq: at.seq, problem: `${where}the head is at position ${h.seq}, behind the chain's last event ${at.pos}` };
    if (h.hash !== at.hash) return { ok: false, badSeq: at.seq, problem: `${where}the head hash does not match the last event` };
  }
  const maxId = heads.length ? heads[heads.length - 1]!.id : 0;
  for (let id = 1; id <= maxId; id++) {
    if (!byId.has(id)) return { ok: false, badSeq: walker.chains.get(id)?.seq ?? 0, problem: `chain ${id}: its head row is missing` };
  }
  for (const [id, at] of walker.chains) {
    if (id !== 0 && !byId.has(id)) return { ok: false, badSeq: at.seq, problem: `chain ${id}: its head row is missing` };
  }
  return { ok: true, count };
}

const COLUMNS = AUDIT_EVENT_COLUMNS;
const SEQ = COLUMNS.indexOf("seq");
const PREV = COLUMNS.indexOf("prevHash");
const HASH = COLUMNS.indexOf("hash");
const CHAIN = COLUMNS.indexOf("chain");
const CHAIN_SEQ = COLUMNS.indexOf("chainSeq");
const KEY_INDEX = KEYS_SORTED.map((k) => COLUMNS.indexOf(k));
const KEY_INDEX_CHAINED = KEYS_SORTED_CHAINED.map((k) => COLUMNS.indexOf(k));

/** A row the reference canonicaliser refuses (a lone surrogate, say) was never appended: it does not match. */
function referenceHashMatches(v: unknown[], hash: string): boolean {
  try {
    return hashAuditRecord(toRecord(v)) === hash;
  } catch {
    return false;
  }
}

function toRecord(v: unknown[]): AuditRecord {
  const r: Record<string, unknown> = {};
  COLUMNS.forEach((c, i) => {
    if (c !== "hash") r[c] = v[i];
  });
  return r as AuditRecord;
}
