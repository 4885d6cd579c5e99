import "server-only";
import { db } from "@/lib/db/client";
import { appendAudit } from "@/lib/audit/append";

/**
 * Sign-out ends every session of the user, not only this browser's: the
 * sessionEpoch moves on, so a cookie copied before sign-out is refused by
 * lib/auth/session.ts. Conditional on the session's own epoch, so a cookie
 * that is already over cannot be replayed to sign the user out again and again.
 * Changes to the account (lib/users) move the epoch inside their own transactions.
 */
export async function endSessions(userId: string, epoch: number): Promise<void> {
  await db().$transaction(async (tx) => {
    const { count } = await tx.user.updateMany({ where: { id: userId, sessionEpoch: epoch }, data: { sessionEpoch: { increment: 1 } } });
    if (count === 0) return;
    await appendAudit(tx, { type: "user.signed_out", actorType: "user", actorId: userId, status: "ok", data: { sessions_ended: true } });
  });
}

/** True when a decoded session JWT still matches its user's current sessionEpoch (and the user is enabled). */
export async function sessionIsCurrent(token: { sub?: unknown; epoch?: unknown }): Promise<boolean> {
  if (typeof token.sub !== "string" || !token.sub) return false;
  const epoch = token.epoch ?? 0;
  const user = await db().user.findUnique({ where: { id: token.sub }, select: { sessionEpoch: true, disabled: true } });
  return Boolean(user && !user.disabled && user.sessionEpoch === epoch);
}
