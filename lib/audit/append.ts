import type { Tx } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { hashAuditRecord, type AuditRecord } from "@/lib/audit/chain";

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
  /** Extra detail; must already be redacted. Never a token. */
  data?: Record<string, unknown>;
};

/**
 * Append events to the hash chain inside the caller's transaction, so the
 * state change and its audit record commit together or not at all. The
 * UPDATE … RETURNING on the head row takes the lock that orders appends
 * (a row lock on Postgres; SQLite has one writer).
 */
export async function appendAudit(tx: Tx, ...events: AuditInput[]): Promise<number[]> {
  try {
    return await appendEvents(tx, events);
  } catch (err) {
    // No audit record, no decision: the caller's transaction rolls back and the caller sees 503.
    if (err instanceof AppError) throw err;
    console.error("audit append failed", err);
    throw new AppError("unavailable", "The audit log cannot be written right now, so nothing was done. Retry shortly.");
  }
}

async function appendEvents(tx: Tx, events: AuditInput[]): Promise<number[]> {
  const seqs: number[] = [];
  for (const e of events) {
    const head = await tx.$queryRaw<{ seq: number | bigint; hash: string }[]>`
      UPDATE "AuditHead" SET "seq" = "seq" + 1 WHERE "id" = 1 RETURNING "seq", "hash"`;
    const top = head[0];
    if (!top) throw new Error("audit chain head is missing");
    const record: AuditRecord = {
      seq: Number(top.seq),
      at: new Date().toISOString(),
      requestId: e.requestId ?? null,
      actorType: e.actorType,
      actorId: e.actorId ?? null,
      type: e.type,
      tenantId: e.tenantId ?? null,
      env: e.env ?? null,
      route: e.route ?? null,
      tool: e.tool ?? null,
      argsHash: e.argsHash ?? null,
      idempotencyKey: e.idempotencyKey ?? null,
      credentialScope: e.credentialScope ?? null,
      actionId: e.actionId ?? null,
      runId: e.runId ?? null,
      approvalIds: e.approvalIds && e.approvalIds.length ? JSON.stringify(e.approvalIds) : null,
      breakGlassSessionId: e.breakGlassSessionId ?? null,
      status: e.status ?? null,
      reason: e.reason ?? null,
      durationMs: e.durationMs ?? null,
      jti: e.jti ?? null,
      data: JSON.stringify(e.data ?? {}),
      prevHash: top.hash,
    };
    const hash = hashAuditRecord(record);
    // A raw INSERT: an append through the ORM create cost about 1.4–1.8× as much
    // (bench H in README "Performance"), and every state change writes one or more.
    await tx.$executeRaw`
      INSERT INTO "AuditEvent" ("seq", "at", "requestId", "actorType", "actorId", "type", "tenantId", "env", "route", "tool",
        "argsHash", "idempotencyKey", "credentialScope", "actionId", "runId", "approvalIds", "breakGlassSessionId", "status",
        "reason", "durationMs", "jti", "data", "prevHash", "hash")
      VALUES (${record.seq}, ${new Date(record.at)}, ${record.requestId}, ${record.actorType}, ${record.actorId}, ${record.type},
        ${record.tenantId}, ${record.env}, ${record.route}, ${record.tool}, ${record.argsHash}, ${record.idempotencyKey},
        ${record.credentialScope}, ${record.actionId}, ${record.runId}, ${record.approvalIds}, ${record.breakGlassSessionId},
        ${record.status}, ${record.reason}, ${record.durationMs}, ${record.jti}, ${record.data}, ${record.prevHash}, ${hash})`;
    await tx.$executeRaw`UPDATE "AuditHead" SET "hash" = ${hash} WHERE "id" = 1`;
    seqs.push(record.seq);
  }
  return seqs;
}
