import "server-only";
import { db, type Tx } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { isUniqueViolation } from "@/lib/db/errors";
import { appendAudit, userActor } from "@/lib/audit/append";
import { enqueueWebhookEvent } from "@/lib/webhooks/enqueue";
import { canonicalJson } from "@gatehouse-dev/sdk";
import { loadToolMap } from "@/lib/catalog/load-tool-map";
import { parsePolicy, requireReason, unknownTools } from "@/lib/policy/policy-schema";
import { comparePolicies, lostCells, type CellChange, type PolicyComparison } from "@/lib/policy/semantic-diff";
import { checkExpectations, type Expectation, type ExpectationResult } from "@/lib/policy/expectations";
import { checkConditions } from "@/lib/policy/conditions";
import { activateVersion, loadActivePolicy, loadExpectations, loadVersionPolicy } from "@/lib/policy-changes/policy-versions";
import type { Policy } from "@/lib/policy/types";

/** What happened to a proposed policy version. */
export type PolicyChangeStatus = "active" | "pending" | "blocked";

export type PolicyChangeResult = {
  id: string;
  route: string;
  version: number;
  /** The active version the change was judged against (and recorded as its base). */
  baseVersion: number;
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
  /**
   * The active version the author's draft was made from. When given and the
   * route has moved on since, the save is refused (409 `stale_base`) with the
   * cells it would undo, instead of silently overwriting the newer version.
   */
  baseVersion?: number;
  /** Set by rollback so history and audit say what was restored. */
  rollbackOf?: number;
  /** Set by rebase: the pending version this one replaces, and the merge conflicts. */
  rebaseOf?: { version: number; conflicts: string[] };
  /** Set by a bundle's apply: the tests it adds with this change, run as if already stored (lib/policy-bundle/bundle-ops.ts). */
  addedExpectations?: readonly Expectation[];
};

/** 409 for a change made against a version that is no longer active, naming the cells it would lose. */
export function staleBaseError(route: string, base: number, active: number, lost: CellChange[]): AppError {
  return new AppError(
    "conflict",
    `The active policy of ${route} moved on from v${base} to v${active}; this change would undo ${lost.length ? lost.map((c) => c.text).join(", ") : "nothing visible, but was judged against an old version"}. Rebase it onto v${active}.`,
    { reason: "stale_base", extra: { base_version: base, active_version: active, lost: lost.map((c) => c.text) } },
  );
}

/**
 * Propose a new policy version for a route. Every proposal runs the route's
 * policy tests first: a failing expectation records the version as "blocked"
 * and nothing changes. A widening (per the semantic diff of decide()'s
 * matrices) is stored "pending" until a second admin approves it; anything
 * else becomes active at once, by one admin. The version records the active
 * version it was judged against. Each outcome is audited and fires
 * `policy.changed` (with the changed cells) in the same transaction.
 */
export async function proposePolicyChange(input: ProposePolicyInput): Promise<PolicyChangeResult> {
  const reason = requireReason(input.reason);
  const proposed = parsePolicy(input.policy);
  return withRaceAsConflict(() => db().$transaction((tx) => proposeInTx(tx, input, reason, proposed)));
}

/** Two changes to one route saved at the same moment both take the next version number: the loser gets a 409, not a 500. */
export async function withRaceAsConflict<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError("conflict", "Another change to this route was saved at the same moment; reload and try again.", { reason: "stale_base" });
    throw err;
  }
}

export async function proposeInTx(tx: Tx, input: ProposePolicyInput, reason: string, proposed: Policy): Promise<PolicyChangeResult> {
  const { route, active, policy: current } = await loadActivePolicy(tx, input.route);
  const tools = await loadToolMap(tx);
  // Conditions are typed against each tool's args schema: a field the schema does not have is refused (422).
  const conditionIssues = checkConditions(proposed, tools);
  if (conditionIssues.length) throw new AppError("validation_failed", "A condition does not fit its tool's arguments.", { issues: conditionIssues });
  if (input.baseVersion !== undefined && input.baseVersion !== active.version) {
    const base = await loadVersionPolicy(tx, route.id, input.baseVersion);
    throw staleBaseError(route.name, input.baseVersion, active.version, base ? lostCells(base, current, proposed, tools) : []);
  }
  if (canonicalJson(current) === canonicalJson(proposed)) {
    throw new AppError("conflict", "The proposed policy is the same as the active version.");
  }
  const comparison = comparePolicies(current, proposed, tools);
  const results = checkExpectations(proposed, tools, route.name, [...(await loadExpectations(tx, route.id)), ...(input.addedExpectations ?? [])]);
  const failing = results.filter((r) => !r.ok);
  const status: PolicyChangeStatus = failing.length ? "blocked" : comparison.widening.length ? "pending" : "active";

  const last = await tx.policyVersion.findFirst({ where: { routeId: route.id }, orderBy: { version: "desc" } });
  const version = (last?.version ?? 0) + 1;
  const stored = input.rollbackOf
    ? `Rollback to v${input.rollbackOf}: ${reason}`
    : input.rebaseOf
      ? `Rebase of v${input.rebaseOf.version} onto v${active.version}: ${reason}`
      : reason;
  const row = await tx.policyVersion.create({
    data: {
      routeId: route.id,
      version,
      policy: JSON.stringify(proposed),
      // Created pending/blocked; activation below flips it in the same tx.
      status: status === "active" ? "pending" : status,
      authorId: input.actorId,
      reason: stored.slice(0, 1100),
      baseVersion: active.version,
    },
  });
  if (status === "active") await activateVersion(tx, route.id, active.id, row.id, version);

  const auditType = status === "blocked" ? "policy.blocked" : status === "pending" ? "policy.proposed" : "policy.changed";
  const cells = comparison.changes.map((c) => c.text);
  await appendAudit(tx, {
    type: auditType,
    ...userActor(input),

    route: route.name,
    status,
    reason: row.reason,
    data: {
      version,
      previous_version: active.version,
      base_version: active.version,
      changes: cells,
      widening: comparison.widening,
      narrowing: comparison.narrowing,
      neutral: comparison.neutral,
      failing: failing.map((f) => f.message),
      ...(input.rollbackOf ? { rollback_of: input.rollbackOf } : {}),
      ...(input.rebaseOf ? { rebase_of: input.rebaseOf.version, conflicts: input.rebaseOf.conflicts } : {}),
    },
  });
  await enqueueWebhookEvent(tx, "policy.changed", {
    route: route.name,
    version,
    status,
    active_version: status === "active" ? version : active.version,
    base_version: active.version,
    changes: cells,
    widening: comparison.widening,
    narrowing: comparison.narrowing,
    neutral: comparison.neutral,
  });
  return {
    id: row.id,
    route: route.name,
    version,
    baseVersion: active.version,
    status,
    comparison,
    failing,
    unknownTools: unknownTools(proposed, tools.keys()),
  };
}
