import "server-only";
import { AppError } from "@/lib/errors";
import type { AuditRecord } from "@/lib/audit/chain";
// The same hash as hashAuditRecord (test/audit-tamper.test.ts pins the two together), without the general canonicaliser.
import { fastAuditRecordHash } from "@/lib/audit/fast-record-hash";
import { asSql } from "@/lib/db/sql";
import type { Exec, Sql } from "@/lib/db/types";
import { insertAuditEvent, reserveAuditSeqs, setAuditHeadHash } from "@/lib/db/tables/audit-event";
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
 * One `UPDATE … RETURNING` on the head row reserves every sequence number the
 * call needs and takes the lock that orders appends (a row lock on Postgres;
 * SQLite has one writer); one more stores the new head hash.
 *
 * The log can never be edited, so whatever reaches it passes the secret rules
 * once more here (lib/redact): the free-text fields and every string in `data`.
 * Callers redact agent input where it enters; this catches a path that forgot.
 */
export async function appendAudit(exec: Exec, ...events: AuditInput[]): Promise<number[]> {
  if (events.length === 0) return [];
  try {
    return await appendEvents(asSql(exec), events);
  } catch (err) {
    // No audit record, no decision: the caller's transaction rolls back and the caller sees 503.
    if (err instanceof AppError) throw err;
    console.error("audit append failed", err);
    throw new AppError("unavailable", "The audit log cannot be written right now, so nothing was done. Retry shortly.");
  }
}

async function appendEvents(sql: Sql, events: AuditInput[]): Promise<number[]> {
  const top = await reserveAuditSeqs(sql, events.length);
  if (!top) throw new Error("audit chain head is missing");
  let seq = top.lastSeq - events.length;
  let prevHash = top.hash;
  const at = new Date();
  const seqs: number[] = [];
  for (const e of events) {
    seq += 1;
    const record: AuditRecord = {
      seq,
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
      prevHash,
    };
    const hash = fastAuditRecordHash(record);
    await insertAuditEvent(sql, { ...record, at, hash });
    prevHash = hash;
    seqs.push(seq);
  }
  await setAuditHeadHash(sql, prevHash);
  return seqs;
}

const scrub = (s: string | null | undefined): string | null => (s == null ? null : redactSecrets(s));
// Identifiers were refused at the door if they held a known secret (lib/api/schemas.ts); shape alone is not one.
const scrubId = (s: string | null | undefined): string | null => (s == null ? null : redactKnownSecrets(s));
