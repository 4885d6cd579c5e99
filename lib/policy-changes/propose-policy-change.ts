import "server-only";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { appendAudit, userActor } from "@/lib/audit/append";
import { enqueueWebhookEvent } from "@/lib/webhooks/enqueue";
import { canonicalJson } from "@/lib/sdk/args-hash";
import { loadToolMap } from "@/lib/catalog/load-tool-map";
import { parsePolicy, requireReason, unknownTools } from "@/lib/policy/policy-schema";
import { comparePolicies, kindsOf, type PolicyComparison } from "@/lib/policy/compare-policies";
import { checkExpectations, type ExpectationResult } from "@/lib/policy/expectations";
import { activateVersion, loadActivePolicy, loadExpectations } from "@/lib/policy-changes/policy-versions";

/** What happened to a proposed policy version. */
export type PolicyChangeStatus = "active" | "pending" | "blocked";

export type PolicyChangeResult = {
  id: string;
  route: string;
  version: number;
  status: PolicyChangeStatus;
  comparison: PolicyComparison;
  /** Expectations that the proposed policy breaks (non-empty only when blocked). */
  failing: ExpectationResult[];
  unknownTools: string[];
};

export type ProposePolicyInput = {
  route: string;
  /** The proposed policy, as JSON text or a value; validated with parsePolicy. */
  policy: unknown;
  /** Why: kept in the version history and the audit log. */
  reason: string;
  actorId: string;
  requestId?: string | null;
  /** Set by rollback so history and audit say what was restored. */
  rollbackOf?: number;
};

/**
 * Propose a new policy version for a route. Every proposal runs the route's
 * policy tests first: a failing expectation records the version as "blocked"
 * and nothing changes. A widening (per comparePolicies) is stored "pending"
 * until a second admin approves it; anything else becomes active at once.
 * Each outcome is audited and fires `policy.changed` in the same transaction.
 */
export async function proposePolicyChange(input: ProposePolicyInput): Promise<PolicyChangeResult> {
  const reason = requireReason(input.reason);
  const proposed = parsePolicy(input.policy);
  return db().$transaction(async (tx) => {
    const { route, active, policy: current } = await loadActivePolicy(tx, input.route);
    if (canonicalJson(current) === canonicalJson(proposed)) {
      throw new AppError("conflict", "The proposed policy is the same as the active version.");
    }
    const tools = await loadToolMap(tx);
    const comparison = comparePolicies(current, proposed, kindsOf(tools));
    const results = checkExpectations(proposed, tools, route.name, await loadExpectations(tx, route.id));
    const failing = results.filter((r) => !r.ok);
    const status: PolicyChangeStatus = failing.length ? "blocked" : comparison.widening.length ? "pending" : "active";

    const last = await tx.policyVersion.findFirst({ where: { routeId: route.id }, orderBy: { version: "desc" } });
    const version = (last?.version ?? 0) + 1;
    const row = await tx.policyVersion.create({
      data: {
        routeId: route.id,
        version,
        policy: JSON.stringify(proposed),
        // Created pending/blocked; activation below flips it in the same tx.
        status: status === "active" ? "pending" : status,
        authorId: input.actorId,
        reason: input.rollbackOf ? `Rollback to v${input.rollbackOf}: ${reason}` : reason,
      },
    });
    if (status === "active") await activateVersion(tx, route.id, active.id, row.id, version);

    const auditType = status === "blocked" ? "policy.blocked" : status === "pending" ? "policy.proposed" : "policy.changed";
    await appendAudit(tx, {
      type: auditType,
      ...userActor(input),

      route: route.name,
      status,
      reason: row.reason,
      data: {
        version,
        previous_version: active.version,
        widening: comparison.widening,
        narrowing: comparison.narrowing,
        neutral: comparison.neutral,
        failing: failing.map((f) => f.message),
        ...(input.rollbackOf ? { rollback_of: input.rollbackOf } : {}),
      },
    });
    await enqueueWebhookEvent(tx, "policy.changed", {
      route: route.name,
      version,
      status,
      active_version: status === "active" ? version : active.version,
      widening: comparison.widening,
      narrowing: comparison.narrowing,
    });
    return {
      id: row.id,
      route: route.name,
      version,
      status,
      comparison,
      failing,
      unknownTools: unknownTools(proposed, tools.keys()),
    };
  });
}
