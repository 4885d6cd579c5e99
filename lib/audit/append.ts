import "server-only";
import { AppError } from "@/lib/errors";
import type { AuditRecord } from "@/lib/audit/chain";
// The same hash as hashAuditRecord (test/audit-tamper.test.ts pins the two together), without the general canonicaliser.
import { fastAuditRecordHash } from "@/lib/audit/fast-record-hash";
import { asSql, commitScope } from "@/lib/db/sql";
import type { Exec, Sql } from "@/lib/db/types";
import { insertAuditEventsAndSetHead, reserveAuditSeqs, type NewAuditEvent } from "@/lib/db/tables/audit-event";
import { redactSecrets, redactSecretsIn } from "@/lib/redact/redact";

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
 * One `UPDATE … RETURNING` on the head row reserves every sequence number the
 * call needs and takes the lock that orders appends (a row lock on Postgres;
 * SQLite has one writer); one more statement inserts the events and stores
 * the new head hash.
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
    scope.defer((e) => appendNow(asSql(e), q).then(() => undefined));
    return q;
  });
  queue.push(...events);
  return [];
}

/** The events an atCommit transaction has appended so far (written just before its COMMIT). */
const QUEUED = Symbol("audit events queued for commit");

async function appendNow(sql: Sql, events: AuditInput[]): Promise<number[]> {
  try {
    return await appendEvents(sql, events);
  } catch (err) {
    // No audit record, no decision: the caller's transaction rolls back and the caller sees 503.
    if (err instanceof AppError) throw err;
    console.error("audit append failed", err);
    throw new AppError("unavailable", "The audit log cannot be written right now, so nothing was done. Retry shortly.");
  }
}

async function appendEvents(sql: Sql, events: AuditInput[]): Promise<number[]> {
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
    route: scrub(e.route),
    tool: scrub(e.tool),
    argsHash: e.argsHash ?? null,
    idempotencyKey: scrub(e.idempotencyKey),
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
  const top = await reserveAuditSeqs(sql, events.length);
  if (!top) throw new Error("audit chain head is missing");
  let seq = top.lastSeq - events.length;
  let prevHash = top.hash;
  const rows: NewAuditEvent[] = [];
  for (const r of records) {
    seq += 1;
    r.seq = seq;
    r.prevHash = prevHash;
    const hash = fastAuditRecordHash(r);
    rows.push({ ...r, at, hash });
    prevHash = hash;
  }
  await insertAuditEventsAndSetHead(sql, rows, prevHash);
  return rows.map((r) => r.seq);
}

const scrub = (s: string | null | undefined): string | null => (s == null ? null : redactSecrets(s));
