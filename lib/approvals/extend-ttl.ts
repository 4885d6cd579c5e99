import "server-only";
import { db } from "@/lib/db/client";
import { AppError, ok, refusal, settle, type Outcome } from "@/lib/errors";
import { appendAudit } from "@/lib/audit/append";
import { parseRoles } from "@/lib/auth/roles";
import { parsePolicy } from "@/lib/policy/policy-schema";
import { actionAuditFields } from "@/lib/actions/action-audit";

/**
 * A reviewer gives a pending action one more TTL (the pending_ttl_seconds of
 * the policy version it was proposed under), once. Audited. Refused when it is decided, expired, already extended,
 * or on the reviewer's own behalf.
 */
export async function extendActionTtl(actionId: string, userId: string, ctx: { requestId?: string | null } = {}): Promise<{ expiresAt: string }> {
  const outcome = await db().$transaction(async (tx): Promise<Outcome<{ expiresAt: string }>> => {
    const now = new Date();
    const a = await tx.action.findUnique({ where: { id: actionId } });
    const user = await tx.user.findUnique({ where: { id: userId } });
    if (!a) return refusal(new AppError("not_found", "No such action."));
    if (!user || user.disabled || !parseRoles(user.roles).includes("reviewer")) {
      return refusal(new AppError("forbidden", "Only reviewers may extend an action's time.", { reason: "not_a_reviewer" }));
    }
    if (a.status !== "pending") return refusal(new AppError("conflict", `This action is already ${a.status}.`, { reason: "already_decided" }));
    if (!a.expiresAt || a.expiresAt <= now) return refusal(new AppError("conflict", "This action has expired; it cannot be extended.", { reason: "expired" }));
    if (a.onBehalfOf && a.onBehalfOf.trim().toLowerCase() === user.email.toLowerCase()) {
      return refusal(new AppError("forbidden", "You cannot extend an action taken on your behalf.", { reason: "own_request" }));
    }
    if (a.ttlExtendedAt) return refusal(new AppError("conflict", "This action's time was already extended once.", { reason: "already_extended" }));
    const pv = await tx.policyVersion.findUnique({ where: { routeId_version: { routeId: a.routeId, version: a.policyVersion } } });
    const ttlMs = pendingTtlMs(pv?.policy) ?? Math.max(a.expiresAt.getTime() - a.createdAt.getTime(), 1000);
    const expiresAt = new Date(a.expiresAt.getTime() + ttlMs);
    // Matching on ttlExtendedAt: null makes a concurrent second extension a no-op.
    const changed = await tx.action.updateMany({
      where: { id: a.id, status: "pending", ttlExtendedAt: null },
      data: { expiresAt, ttlExtendedAt: now },
    });
    if (changed.count !== 1) return refusal(new AppError("conflict", "This action's time was already extended once.", { reason: "already_extended" }));
    await appendAudit(tx, {
      type: "action.ttl_extended",
      actorType: "user",
      actorId: user.id,
      requestId: ctx.requestId ?? null,
      ...actionAuditFields(a),
      status: "pending",
      reason: "ttl_extended",
      data: { from: a.expiresAt.toISOString(), to: expiresAt.toISOString() },
    });
    return ok({ expiresAt: expiresAt.toISOString() });
  });
  return settle(outcome);
}

function pendingTtlMs(policy: string | undefined): number | null {
  if (!policy) return null;
  try {
    return parsePolicy(policy).approval.pending_ttl_seconds * 1000;
  } catch {
    return null;
  }
}
