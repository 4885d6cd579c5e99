import "server-only";
import { AppError } from "@/lib/errors";
import type { AuditRecord } from "@/lib/audit/chain";
// The same hash as hashAuditRecord (test/audit-tamper.test.ts pins the two together), without the general canonicaliser.
import { fastAuditRecordHash } from "@/lib/audit/fast-record-hash";
import { asSql, commitScope, takeDeferredWrites, type DeferredWrite } from "@/lib/db/sql";
import { isUniqueViolation } from "@/lib/db/errors";
import type { Exec, Sql } from "@/lib/db/types";
import {
  insertAuditEventsAndSetHead,
  insertAuditEventsUnchained,
  reserveAuditSeqs,
  reserveChainSeqs,
  reserveFreeChainSeqs,
  takeChainPrelock,
  type ChainPrelock,
  type NewAuditEvent,
} from "@/lib/db/tables/audit-event";
import { claimedAuditChains, forgetAuditChains } from "@/lib/db/postgres/audit-chain-claim";
import { countAuditChains } from "@/lib/db/tables/audit-chain";
import { provider } from "@/lib/db/client";
import { env } from "@/lib/env";
import { redactKnownSecrets, redactSecrets, redactSecretsIn } from "@/lib/redact/redact";

export type ActorType = "agent" | "user" | "system";

/** What a caller says about an event; sequence, time and hashes are added here. */
export type AuditInput = {
  type: string;
  actorType: ActorType;
  actorId?: string | null;
  requestId?: string | null;
  tenantId?: string | null;
  env?: string | null;
  route?: string | null;
  tool?: string | null;
  argsHash?: string | null;
  idempotencyKey?: string | null;
  credentialScope?: string | null;
  actionId?: string | null;
  runId?: string | null;
  approvalIds?: string[] | null;
  breakGlassSessionId?: string | null;
  status?: string | null;
  reason?: string | null;
  durationMs?: number | null;
  jti?: string | null;
  /** Extra detail; redacted by the caller (personal data too). Never a token. */
  data?: Record<string, unknown>;
};

/** The actor fields of an act by a console user: `{ actorType: "user", actorId, requestId }`. */
export function userActor(ctx: { actorId: string; requestId?: string | null }): Pick<AuditInput, "actorType" | "actorId" | "requestId"> {
  return { actorType: "user", actorId: ctx.actorId, requestId: ctx.requestId ?? null };
}

/**
 * Append events to the hash chain inside the caller's transaction (ORM or raw),
 * so the state change and its audit records commit together or not at all.
 * One `UPDATE … RETURNING` on the chain's head row reserves every number the
 * call needs and takes the lock that orders the chain's appends (SQLite: the
 * single chain 0, one writer; PostgreSQL: this instance's own chain, so
 * instances never wait on each other); one more statement inserts the events
 * and stores the new head hash.
 *
 * In a transaction whose body is wrapped in `atCommit` (lib/db/sql.ts) the
 * events are queued, and every append of the transaction is written as one,
 * as its last statements, just before COMMIT: the head is held from the
 * reserve to COMMIT only. There the promise resolves at once with `[]` (the
 * numbers are not known until then); everywhere else with the numbers.
 *
 * The log can never be edited, so whatever reaches it passes the secret rules
 * once more here (lib/redact): the free-text fields and every string in `data`.
 * Callers redact agent input where it enters; this catches a path that forgot.
 */
export async function appendAudit(exec: Exec, ...events: AuditInput[]): Promise<number[]> {
  if (events.length === 0) return [];
  const scope = commitScope(exec);
  if (!scope) return appendNow(asSql(exec), events);
  const queue = scope.slot(QUEUED, () => {
    const q: AuditInput[] = [];
    // The transaction's deferred writes (lib/db/sql.ts, runDeferrable) go in the same statement.
    // A chain a statement of the transaction already locked (runWithChainPrelock) saves the reserve.
    scope.defer((e) => appendNow(asSql(e), q, takeDeferredWrites(e), takeChainPrelock(e), true).then(() => undefined));
    return q;
  });
  queue.push(...events);
  return [];
}

/** The events an atCommit transaction has appended so far (written just before its COMMIT). */
const QUEUED = Symbol.for("gatehouse.audit.queuedForCommit");

async function appendNow(sql: Sql, events: AuditInput[], before: readonly DeferredWrite[] = [], prelock: ChainPrelock | null = null, atCommit = false): Promise<number[]> {
  // At commit (a raw PostgreSQL transaction) the append's statement travels with the COMMIT
  // (PgSql.holdForCommit): its failure surfaces there, reported as it would be here.
  const commitWith = atCommit ? (err: unknown) => auditFailure(err, before) : undefined;
  try {
    return await appendEvents(sql, events, before, prelock, commitWith);
  } catch (err) {
    throw auditFailure(err, before);
  }
}

/** What the caller sees when the append failed. No audit record, no decision: the transaction rolls back and the caller sees 503. */
function auditFailure(err: unknown, before: readonly DeferredWrite[]): unknown {
  if (err instanceof AppError) return err;
  // A deferred write's own refusal (two first proposals with one idempotency key) is the caller's to handle, as if it had run at once.
  if (before.length > 0 && isUniqueViolation(err)) return err;
  console.error("audit append failed", err);
  return new AppError("unavailable", "The audit log cannot be written right now, so nothing was done. Retry shortly.");
}

type CommitWith = ((err: unknown) => unknown) | undefined;

async function appendEvents(sql: Sql, events: AuditInput[], before: readonly DeferredWrite[], prelock: ChainPrelock | null, commitWith: CommitWith): Promise<number[]> {
  // Everything but seq, prevHash and hash is ready before the reserve takes the head.
  const at = new Date();
  const records: AuditRecord[] = events.map((e) => ({
    seq: 0,
    at: at.toISOString(),
    requestId: e.requestId ?? null,
    actorType: e.actorType,
    actorId: e.actorId ?? null,
    type: e.type,
    tenantId: e.tenantId ?? null,
    env: e.env ?? null,
    route: scrubId(e.route),
    tool: scrubId(e.tool),
    argsHash: e.argsHash ?? null,
    idempotencyKey: scrubId(e.idempotencyKey),
    credentialScope: e.credentialScope ?? null,
    actionId: e.actionId ?? null,
    runId: e.runId ?? null,
    approvalIds: e.approvalIds && e.approvalIds.length ? JSON.stringify(e.approvalIds) : null,
    breakGlassSessionId: e.breakGlassSessionId ?? null,
    status: e.status ?? null,
    reason: scrub(e.reason),
    durationMs: e.durationMs ?? null,
    jti: e.jti ?? null,
    data: JSON.stringify(e.data ? redactSecretsIn(e.data) : {}),
    prevHash: "",
  }));
  if (provider() !== "postgres") return appendToChain0(sql, records, at);
  if (env().benchAuditNoChainHead) return appendUnchained(sql, records, at, before, commitWith);
  if (prelock && prelock.seqs.length >= records.length) return appendToPrelockedChain(sql, records, at, before, prelock, commitWith);
  return appendToInstanceChain(sql, records, at, before, commitWith);
}

/** BENCHMARK ONLY (lib/env refuses the switch in production): the rows with no chain head, the chained append's upper bound. */
async function appendUnchained(sql: Sql, records: AuditRecord[], at: Date, before: readonly DeferredWrite[], commitWith: CommitWith): Promise<number[]> {
  const rows: NewAuditEvent[] = records.map((r) => ({ ...r, at, hash: fastAuditRecordHash(r), chain: 0, chainSeq: null }));
  return insertAuditEventsUnchained(sql, rows, before, commitWith);
}

/** SQLite: the single chain 0, ordered by its head row (one writer). */
async function appendToChain0(sql: Sql, records: AuditRecord[], at: Date): Promise<number[]> {
  const top = await reserveAuditSeqs(sql, records.length);
  if (!top) throw new Error("audit chain head is missing");
  return link(sql, records, at, top.hash, (r, i) => {
    r.seq = top.lastSeq - records.length + i + 1;
  });
}

/**
 * PostgreSQL: one of this instance's chains — whichever no other transaction
 * holds, so neither instances nor one instance's concurrent transactions wait
 * on each other's head row; only when all are held does an append wait, on
 * one picked in turn. The global numbers come from a sequence under the
 * chain's lock. A chain found closed (this process lost its claim and another
 * instance closed it) is given up and new ones claimed, once, in the same
 * transaction.
 */
async function appendToInstanceChain(sql: Sql, records: AuditRecord[], at: Date, before: readonly DeferredWrite[], commitWith: CommitWith): Promise<number[]> {
  const url = env().databaseUrl;
  const n = records.length;
  let chains = await claimedAuditChains(url);
  let top = await reserveFreeChainSeqs(sql, chains, n);
  if (!top) {
    const pick = chains[turn++ % chains.length]!;
    const held = await reserveChainSeqs(sql, pick, n);
    if (held) top = { chain: pick, ...held };
  }
  if (!top) {
    // Closed under us (the claim was lost): claim anew. Gone (deleted): tampering — fail closed.
    if ((await countAuditChains(sql, chains)) < chains.length) throw new Error("audit chain head is missing");
    forgetAuditChains(chains);
    chains = await claimedAuditChains(url);
    top = await reserveFreeChainSeqs(sql, chains, n);
    if (!top) throw new Error("no open audit chain");
  }
  const { chain, lastPos, seqs } = top;
  return link(
    sql,
    records,
    at,
    top.hash,
    (r, i) => {
      r.seq = seqs[i]!;
      r.chain = chain;
      r.chainSeq = lastPos - n + i + 1;
    },
    before,
    commitWith,
  );
}

let turn = 0;

/**
 * PostgreSQL: the chain an earlier statement of this transaction locked without advancing it (its
 * head as read under the lock, global numbers drawn under it): positions follow the head, and the
 * append's statement moves the head's position and hash together.
 */
async function appendToPrelockedChain(sql: Sql, records: AuditRecord[], at: Date, before: readonly DeferredWrite[], pre: ChainPrelock, commitWith: CommitWith): Promise<number[]> {
  const seqs = pre.seqs.slice(0, records.length);
  let prevHash = pre.hash;
  const rows: NewAuditEvent[] = records.map((r, i) => {
    r.seq = seqs[i]!;
    r.chain = pre.chain;
    r.chainSeq = pre.pos + i + 1;
    r.prevHash = prevHash;
    const hash = fastAuditRecordHash(r);
    prevHash = hash;
    return { ...r, at, hash, chain: pre.chain, chainSeq: r.chainSeq };
  });
  await insertAuditEventsAndSetHead(sql, rows, prevHash, before, pre.pos + records.length, commitWith);
  return rows.map((r) => r.seq);
}

/** Number the records (`place`), hash each onto the one before, and write them with the head in one go. */
async function link(
  sql: Sql,
  records: AuditRecord[],
  at: Date,
  headHash: string,
  place: (r: AuditRecord, i: number) => void,
  before: readonly DeferredWrite[] = [],
  commitWith?: CommitWith,
): Promise<number[]> {
  let prevHash = headHash;
  const rows: NewAuditEvent[] = records.map((r, i) => {
    place(r, i);
    r.prevHash = prevHash;
    const hash = fastAuditRecordHash(r);
    prevHash = hash;
    return { ...r, at, hash, chain: r.chain ?? 0, chainSeq: r.chainSeq ?? null };
  });
  await insertAuditEventsAndSetHead(sql, rows, prevHash, before, undefined, commitWith);
  return rows.map((r) => r.seq);
}

const scrub = (s: string | null | undefined): string | null => (s == null ? null : redactSecrets(s));
// Identifiers were refused at the door if they held a known secret (lib/api/schemas.ts); shape alone is not one.
const scrubId = (s: string | null | undefined): string | null => (s == null ? null : redactKnownSecrets(s));
