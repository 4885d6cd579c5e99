import "server-only";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { appendAudit } from "@/lib/audit/append";
import { enqueueWebhookEvent } from "@/lib/webhooks/enqueue";
import { verifyPassword } from "@/lib/auth/password";
import { parseRoles } from "@/lib/auth/roles";
import { clearFailures, takeAttempt } from "@/lib/auth/rate-limit";
import { newId } from "@/lib/crypto/new-id";
import { openBreakGlassInput, type BreakGlassRow } from "@/lib/break-glass/session-rules";

/** Counted against the same per-account limit as sign-in, so break-glass is no side door for guessing. */
const RATE_KEY_ORIGIN = "break-glass";

/**
 * Open a break-glass session for an on-call user who has just re-entered
 * their password. Duration limits are enforced here whatever the UI sent;
 * one open session per person. The row, its audit event and the
 * `break_glass.opened` webhook commit together.
 */
export async function openBreakGlass(userId: string, body: unknown, ctx: { requestId?: string } = {}): Promise<BreakGlassRow> {
  const parsed = openBreakGlassInput.safeParse(body);
  if (!parsed.success) {
    throw new AppError("validation_failed", "Invalid break-glass request.", {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join(".") || "body", message: i.message })),
    });
  }
  const input = parsed.data;
  const user = await db().user.findUnique({ where: { id: userId } });
  if (!user || user.disabled || !parseRoles(user.roles).includes("oncall")) {
    throw new AppError("forbidden", "Break-glass needs the on-call role.", { reason: "not_oncall" });
  }
  if (!(await takeAttempt(user.email, RATE_KEY_ORIGIN))) {
    throw new AppError("rate_limited", "Too many attempts; wait a minute.");
  }
  const passwordOk = user.passwordHash ? await verifyPassword(user.passwordHash, input.password) : false;
  if (!passwordOk) {
    await db().$transaction((tx) =>
      appendAudit(tx, { type: "break_glass.refused", actorType: "user", actorId: user.id, requestId: ctx.requestId, status: "refused", reason: "password_mismatch" }),
    );
    // 403, not 401: the console session is fine, only the re-entered password is wrong.
    throw new AppError("forbidden", "The password is not correct.", { reason: "password_mismatch", issues: [{ path: "password", message: "incorrect" }] });
  }
  // takeAttempt counted this one; a right password is not a failure.
  await clearFailures(user.email, RATE_KEY_ORIGIN);

  const now = new Date();
  return db().$transaction(async (tx) => {
    const open = await tx.breakGlassSession.findFirst({ where: { userId, endedAt: null, expiresAt: { gt: now } } });
    if (open) throw new AppError("conflict", "You already have an open break-glass session.", { reason: "already_open" });
    const session = await tx.breakGlassSession.create({
      data: { id: newId("bg"), userId, reason: input.reason, startedAt: now, expiresAt: new Date(now.getTime() + input.duration_minutes * 60_000) },
    });
    await appendAudit(tx, {
      type: "break_glass.opened",
      actorType: "user",
      actorId: userId,
      requestId: ctx.requestId,
      breakGlassSessionId: session.id,
      status: "open",
      reason: input.reason,
      data: { duration_minutes: input.duration_minutes, expires_at: session.expiresAt.toISOString() },
    });
    await enqueueWebhookEvent(tx, "break_glass.opened", {
      session_id: session.id,
      user: user.email,
      reason: input.reason,
      started_at: session.startedAt.toISOString(),
      expires_at: session.expiresAt.toISOString(),
    });
    return session;
  });
}
