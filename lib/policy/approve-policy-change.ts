import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { appendAudit } from "@/lib/audit/append";
import { enqueueWebhookEvent } from "@/lib/webhooks/enqueue";
import { requireAdminInTx as requireAdmin } from "@/lib/users/require-admin";
import { parsePolicy } from "@/lib/policy/policy-schema";
import { comparePolicies } from "@/lib/policy/compare-policies";
import { checkExpectations, type ExpectationResult } from "@/lib/policy/expectations";
import { activateVersion, kindsOf, loadActivePolicy, loadExpectations, loadToolMap } from "@/lib/policy/propose-policy-change";
import type { Tx } from "@/lib/db/client";

export type ApprovePolicyResult = { status: "active" | "blocked"; version: number; failing: ExpectationResult[] };

async function loadPending(tx: Tx, versionId: string) {
  const v = await tx.policyVersion.findUnique({ where: { id: versionId } });
  if (!v) throw new AppError("not_found", "No such policy version.");
  if (v.status !== "pending") throw new AppError("conflict", `This policy version is ${v.status}, not pending.`);
  const route = await tx.route.findUniqueOrThrow({ where: { id: v.routeId } });
  return { v, route };
}

/**
 * A second admin approves a pending (widening) policy version. The author can
 * never approve their own change. Policy tests run again against the catalog
 * as it is now; a failure blocks the version instead of activating it.
 */
export async function approvePolicyChange(input: { versionId: string; actorId: string; requestId?: string | null }): Promise<ApprovePolicyResult> {
  return db().$transaction(async (tx) => {
    await requireAdmin(tx, input.actorId);
    const { v, route } = await loadPending(tx, input.versionId);
    if (v.authorId === input.actorId) {
      throw new AppError("forbidden", "You proposed this change; a second admin must approve it.", { reason: "author_cannot_approve" });
    }
    const proposed = parsePolicy(v.policy);
    const { active, policy: current } = await loadActivePolicy(tx, route.name);
    const tools = await loadToolMap(tx);
    const failing = checkExpectations(proposed, tools, route.name, await loadExpectations(tx, route.id)).filter((r) => !r.ok);
    // Against the version active now, which may differ from the one it was proposed over.
    const comparison = comparePolicies(current, proposed, kindsOf(tools));
    const status = failing.length ? "blocked" : "active";
    // Conditional on still pending: two approvers at once make exactly one transition.
    const took = await tx.policyVersion.updateMany({
      where: { id: v.id, status: "pending" },
      data: { status: "blocked", approvedById: input.actorId, approvedAt: new Date() },
    });
    if (took.count !== 1) throw new AppError("conflict", "This policy version was decided by someone else.");
    if (status === "active") await activateVersion(tx, route.id, active.id, v.id, v.version);
    await appendAudit(tx, {
      type: status === "active" ? "policy.approved" : "policy.blocked",
      actorType: "user",
      actorId: input.actorId,
      requestId: input.requestId ?? null,
      route: route.name,
      status,
      reason: v.reason,
      data: {
        version: v.version,
        author_id: v.authorId,
        previous_version: active.version,
        widening: comparison.widening,
        narrowing: comparison.narrowing,
        failing: failing.map((f) => f.message),
      },
    });
    await enqueueWebhookEvent(tx, "policy.changed", {
      route: route.name,
      version: v.version,
      status,
      active_version: status === "active" ? v.version : active.version,
      approved_by: input.actorId,
      widening: comparison.widening,
    });
    return { status, version: v.version, failing };
  });
}

/** Reject (or, for its author, withdraw) a pending policy version. Nothing changes in effect. */
export async function rejectPolicyChange(input: { versionId: string; actorId: string; reason: string; requestId?: string | null }): Promise<void> {
  await db().$transaction(async (tx) => {
    await requireAdmin(tx, input.actorId);
    const { v, route } = await loadPending(tx, input.versionId);
    const took = await tx.policyVersion.updateMany({ where: { id: v.id, status: "pending" }, data: { status: "rejected" } });
    if (took.count !== 1) throw new AppError("conflict", "This policy version was decided by someone else.");
    await appendAudit(tx, {
      type: "policy.rejected",
      actorType: "user",
      actorId: input.actorId,
      requestId: input.requestId ?? null,
      route: route.name,
      status: "rejected",
      reason: input.reason.trim().slice(0, 1000) || null,
      data: { version: v.version, author_id: v.authorId, withdrawn: v.authorId === input.actorId },
    });
    await enqueueWebhookEvent(tx, "policy.changed", { route: route.name, version: v.version, status: "rejected" });
  });
}
