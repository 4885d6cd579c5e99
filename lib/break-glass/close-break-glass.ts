import "server-only";
import { db, type Tx } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { appendAudit } from "@/lib/audit/append";
import { enqueueWebhookEvent } from "@/lib/webhooks/enqueue";

/**
 * Mark one session ended (if it still is open in the row) with its audit
 * event and `break_glass.closed` webhook. Conditional on endedAt being null,
 * so a hand close racing the sweep closes it once.
 */
export async function endSessionTx(tx: Tx, sessionId: string, how: { by: "hand"; userId: string; requestId?: string } | { by: "expiry"; now: Date }): Promise<boolean> {
  const endedAt = how.by === "expiry" ? how.now : new Date();
  const changed = await tx.breakGlassSession.updateMany({
    where: { id: sessionId, endedAt: null },
    data: { endedAt, endedById: how.by === "hand" ? how.userId : null },
  });
  if (changed.count !== 1) return false;
  const s = await tx.breakGlassSession.findUniqueOrThrow({ where: { id: sessionId } });
  const reason = how.by === "hand" ? "ended_by_hand" : "expired";
  await appendAudit(tx, {
    type: "break_glass.closed",
    actorType: how.by === "hand" ? "user" : "system",
    actorId: how.by === "hand" ? how.userId : null,
    requestId: how.by === "hand" ? how.requestId : null,
    breakGlassSessionId: sessionId,
    status: "closed",
    reason,
    durationMs: endedAt.getTime() - s.startedAt.getTime(),
  });
  await enqueueWebhookEvent(tx, "break_glass.closed", {
    session_id: sessionId,
    reason,
    started_at: s.startedAt.toISOString(),
    ended_at: endedAt.toISOString(),
  });
  return true;
}

/** End your own session early. Someone else's, or one already over, is refused. */
export async function closeBreakGlass(sessionId: string, userId: string, ctx: { requestId?: string } = {}): Promise<void> {
  await db().$transaction(async (tx) => {
    const s = await tx.breakGlassSession.findUnique({ where: { id: sessionId } });
    if (!s || s.userId !== userId) throw new AppError("not_found", "No such break-glass session of yours.");
    if (s.endedAt || s.expiresAt <= new Date()) throw new AppError("conflict", "This break-glass session has already ended.", { reason: "already_ended" });
    await endSessionTx(tx, sessionId, { by: "hand", userId, requestId: ctx.requestId });
  });
}
