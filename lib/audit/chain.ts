import "server-only";
import crypto from "node:crypto";
import { canonicalJson } from "@/lib/sdk/args-hash";

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
  /**
   * Which chain and where in it (per-instance chains, PostgreSQL): present, and hashed, only on
   * chains ≥ 1. Chain 0's records (SQLite's, and PostgreSQL's from before) have neither key, and
   * their `seq` is their position in the chain — the record format they were hashed in.
   */
  chain?: number;
  chainSeq?: number;
};

export const GENESIS_HASH = "genesis";

/** The record as hashed: chain 0 without the chain keys (whatever the row holds for them). */
export function hashedForm(record: AuditRecord): AuditRecord {
  if (record.chain) return record;
  const { chain: _chain, chainSeq: _chainSeq, ...legacy } = record;
  return legacy;
}

/** sha256 over the canonical JSON of the record; the record includes prevHash, which makes the chain. */
export function hashAuditRecord(record: AuditRecord): string {
  return crypto
    .createHash("sha256")
    .update(canonicalJson(hashedForm(record)))
    .digest("hex");
}

export type ChainRow = Omit<AuditRecord, "chain" | "chainSeq"> & { hash: string; chain?: number | null; chainSeq?: number | bigint | null };

export type ChainCheck = { ok: true; count: number; lastSeq: number } | { ok: false; badSeq: number; problem: string; count: number };

/**
 * Verify rows in global sequence order, optionally continuing chain 0 from a
 * known predecessor. Each chain is checked on its own (ChainWalker): altered
 * rows (hash), removed rows (a gap in the chain's positions or a broken
 * prevHash) and reordered rows. Chain heads are not checked here
 * (verifyStoredChain does that).
 */
export function verifyChain(rows: Iterable<ChainRow>, from: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH }): ChainCheck {
  const walker = new ChainWalker(from);
  let count = 0;
  let lastSeq = from.seq;
  for (const row of rows) {
    count++;
    const chain = row.chain ?? 0;
    const { hash, chain: _c, chainSeq: _cs, ...rest } = row;
    const record: AuditRecord = chain ? { ...rest, chain, chainSeq: Number(row.chainSeq) } : rest;
    const problem = walker.step(row.seq, chain, chain ? Number(row.chainSeq) : row.seq, row.prevHash, hash, () => hashAuditRecord(record) === hash);
    if (problem) return { ok: false, badSeq: row.seq, problem, count };
    lastSeq = row.seq;
  }
  return { ok: true, count, lastSeq };
}

/** Where one chain stands while it is walked: its last position and hash, and the global seq of that event. */
export type ChainState = { pos: number; hash: string; seq: number };

/**
 * The per-chain checks of a walk over events in global `seq` order (shared by
 * verifyChain and verifyStoredChain, so both say the same thing in the same
 * words). For every event of chain c: its position is the chain's last + 1
 * (chain 0: its seq is; chains ≥ 1: its chainSeq is), it links to the chain's
 * last hash, and its content matches its hash. Global seq order within a chain
 * follows position order by construction (a chain's events take their seq under
 * its head lock), so a walk in seq order meets each chain's events in order.
 */
export class ChainWalker {
  readonly chains = new Map<number, ChainState>();
  private lastSeq = -Infinity;

  constructor(chain0From: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH }) {
    this.chains.set(0, { pos: chain0From.seq, hash: chain0From.hash, seq: chain0From.seq });
  }

  /** The problem with this event, or null; on null the chain has advanced. */
  step(seq: number, chain: number, pos: number, prevHash: unknown, hash: string, contentMatches: () => boolean): string | null {
    if (!Number.isSafeInteger(chain) || chain < 0) return `event ${seq} names no valid chain`;
    // Callers walk in seq order (the stored verifier reads by it); rows handed over in another order are reordered.
    if (seq <= this.lastSeq) return `events out of order: sequence ${seq} after ${this.lastSeq}`;
    this.lastSeq = seq;
    let at = this.chains.get(chain);
    if (!at) {
      at = { pos: 0, hash: GENESIS_HASH, seq: 0 };
      this.chains.set(chain, at);
    }
    const where = chain ? `chain ${chain}: ` : "";
    if (pos !== at.pos + 1) return `${where}expected ${chain ? "position" : "sequence"} ${at.pos + 1}, found ${pos}`;
    if (prevHash !== at.hash) return `${where}previous-hash link is broken`;
    if (!contentMatches()) return `${where}row content does not match its hash`;
    at.pos = pos;
    at.hash = hash;
    at.seq = seq;
    return null;
  }
}
