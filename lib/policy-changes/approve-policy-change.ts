import "server-only";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { appendAudit, userActor } from "@/lib/audit/append";
import { enqueueWebhookEvent } from "@/lib/webhooks/enqueue";
import { requireAdminInTx as requireAdmin } from "@/lib/users/require-admin";
import { requireSecondPerson, type ApprovalChannel } from "@/lib/users/two-person";
import { loadToolMap } from "@/lib/catalog/load-tool-map";
import { parsePolicy } from "@/lib/policy/policy-schema";
import { comparePolicies, lostCells, type PolicyComparison } from "@/lib/policy/semantic-diff";
import { checkExpectations, type ExpectationResult } from "@/lib/policy/expectations";
import { activateVersion, loadActivePolicy, loadExpectations, loadPendingVersion, loadVersionPolicy } from "@/lib/policy-changes/policy-versions";
import { staleBaseError } from "@/lib/policy-changes/propose-policy-change";

export type ApprovePolicyResult = { status: "active" | "blocked"; version: number; failing: ExpectationResult[]; comparison: PolicyComparison };

/**
 * A second admin approves a pending (widening) policy version. The author can
 * never approve their own change, nor can someone the author elevated
 * recently (or who elevated the author): requireSecondPerson. A version
 * proposed against an active version that has since been replaced is refused
 * (409 `stale_base`, with the cells it would undo): the author rebases it.
 * Policy tests run again against the catalog as it is now; a failure blocks
 * the version instead of activating it.
 */
export async function approvePolicyChange(input: { versionId: string; actorId: string; requestId?: string | null; channel?: ApprovalChannel }): Promise<ApprovePolicyResult> {
  return db().$transaction(async (tx) => {
    await requireAdmin(tx, input.actorId);
    const { v, route } = await loadPendingVersion(tx, input.versionId);
    await requireSecondPerson(tx, {
      firsts: v.authorId ? [v.authorId] : [],
      second: input.actorId,
      channel: input.channel ?? "console",
      sameMessage: "You proposed this change; a second admin must approve it.",
    });
    const proposed = parsePolicy(v.policy);
    const { active, policy: current } = await loadActivePolicy(tx, route.name);
    const tools = await loadToolMap(tx);
    // What the second admin reviewed was judged against the base; if the route moved on, approving would undo the newer version.
    // A row from before bases were recorded has no base: it is treated as stale too (fail closed).
    if (v.baseVersion !== active.version) {
      const base = v.baseVersion === null ? null : await loadVersionPolicy(tx, route.id, v.baseVersion);
      throw staleBaseError(route.name, v.baseVersion ?? 0, active.version, base ? lostCells(base, current, proposed, tools) : []);
    }
    const failing = checkExpectations(proposed, tools, route.name, await loadExpectations(tx, route.id)).filter((r) => !r.ok);
    const comparison = comparePolicies(current, proposed, tools);
    const status = failing.length ? "blocked" : "active";
    // Conditional on still pending: two approvers at once make exactly one transition.
    const took = await tx.policyVersion.updateMany({
      where: { id: v.id, status: "pending" },
      data: { status: "blocked", approvedById: input.actorId, approvedAt: new Date() },
    });
    if (took.count !== 1) throw new AppError("conflict", "This policy version was decided by someone else.");
    if (status === "active") await activateVersion(tx, route.id, active.id, v.id, v.version);
    const cells = comparison.changes.map((c) => c.text);
    await appendAudit(tx, {
      type: status === "active" ? "policy.approved" : "policy.blocked",
      ...userActor(input),

      route: route.name,
      status,
      reason: v.reason,
      data: {
        version: v.version,
        author_id: v.authorId,
        previous_version: active.version,
        changes: cells,
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
      changes: cells,
      widening: comparison.widening,
      narrowing: comparison.narrowing,
    });
    return { status, version: v.version, failing, comparison };
  });
}
