import "server-only";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { proposePolicyChange, type PolicyChangeResult } from "@/lib/policy-changes/propose-policy-change";

/** Statuses of versions that were once the route's active policy (activation supersedes the previous one). */
export const WAS_ACTIVE = ["superseded"] as const;

/**
 * Roll a route back to an earlier version that was active once (never to a
 * blocked, rejected, rebased or withdrawn proposal, which never took effect).
 * A rollback is a new version with the old policy, proposed like any change:
 * if it widens the active policy it waits for a second admin, and the route's
 * policy tests still apply.
 */
export async function rollbackPolicy(input: { route: string; toVersion: number; reason: string; actorId: string; requestId?: string | null }): Promise<PolicyChangeResult> {
  const route = await db().route.findUnique({ where: { name: input.route } });
  if (!route) throw new AppError("not_found", `No route named ${input.route}.`);
  const target = await db().policyVersion.findUnique({ where: { routeId_version: { routeId: route.id, version: input.toVersion } } });
  if (!target) throw new AppError("not_found", `The route ${input.route} has no version ${input.toVersion}.`);
  if (target.version === route.activeVersion) throw new AppError("conflict", `v${target.version} is the active version.`);
  if (!(WAS_ACTIVE as readonly string[]).includes(target.status)) {
    throw new AppError("conflict", `v${target.version} was never active (it is ${target.status}); only versions that were active can be restored.`, { reason: "never_active" });
  }
  return proposePolicyChange({
    route: input.route,
    policy: target.policy,
    reason: input.reason,
    actorId: input.actorId,
    requestId: input.requestId,
    baseVersion: route.activeVersion,
    rollbackOf: input.toVersion,
  });
}
