import "server-only";
import crypto from "node:crypto";
import { canonicalJson } from "@gatehouse-dev/sdk";

/** The fields of an audit row that the hash covers (everything but `hash`). */
export type AuditRecord = {
  seq: number;
  at: string;
  requestId: string | null;
  actorType: string;
  actorId: string | null;
  type: string;
  tenantId: string | null;
  env: string | null;
  route: string | null;
  tool: string | null;
  argsHash: string | null;
  idempotencyKey: string | null;
  credentialScope: string | null;
  actionId: string | null;
  runId: string | null;
  approvalIds: string | null;
  breakGlassSessionId: string | null;
  status: string | null;
  reason: string | null;
  durationMs: number | null;
  jti: string | null;
  data: string;
  prevHash: string;
};

export const GENESIS_HASH = "genesis";

/** sha256 over the canonical JSON of the record; the record includes prevHash, which makes the chain. */
export function hashAuditRecord(record: AuditRecord): string {
  return crypto.createHash("sha256").update(canonicalJson(record)).digest("hex");
}

export type ChainRow = AuditRecord & { hash: string };

export type ChainCheck = { ok: true; count: number; lastSeq: number } | { ok: false; badSeq: number; problem: string; count: number };

/**
 * Verify rows in sequence order, optionally continuing from a known
 * predecessor. Finds altered rows (hash), removed rows (a gap in seq or a
 * broken prevHash) and reordered rows.
 */
export function verifyChain(rows: Iterable<ChainRow>, from: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH }): ChainCheck {
  let prev = from;
  let count = 0;
  for (const row of rows) {
    count++;
    if (row.seq !== prev.seq + 1) return { ok: false, badSeq: row.seq, problem: `expected sequence ${prev.seq + 1}, found ${row.seq}`, count };
    if (row.prevHash !== prev.hash) return { ok: false, badSeq: row.seq, problem: "previous-hash link is broken", count };
    const { hash, ...record } = row;
    if (hashAuditRecord(record) !== hash) return { ok: false, badSeq: row.seq, problem: "row content does not match its hash", count };
    prev = { seq: row.seq, hash };
  }
  return { ok: true, count, lastSeq: prev.seq };
}
