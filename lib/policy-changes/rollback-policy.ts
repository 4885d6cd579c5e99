import "server-only";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { proposePolicyChange, type PolicyChangeResult } from "@/lib/policy-changes/propose-policy-change";

/**
 * Roll a route back to an earlier version. A rollback is a new version with
 * the old policy, proposed like any change: if it widens the active policy it
 * waits for a second admin, and the route's policy tests still apply.
 */
export async function rollbackPolicy(input: { route: string; toVersion: number; reason: string; actorId: string; requestId?: string | null }): Promise<PolicyChangeResult> {
  const route = await db().route.findUnique({ where: { name: input.route } });
  if (!route) throw new AppError("not_found", `No route named ${input.route}.`);
  const target = await db().policyVersion.findUnique({ where: { routeId_version: { routeId: route.id, version: input.toVersion } } });
  if (!target) throw new AppError("not_found", `The route ${input.route} has no version ${input.toVersion}.`);
  return proposePolicyChange({
    route: input.route,
    policy: target.policy,
    reason: input.reason,
    actorId: input.actorId,
    requestId: input.requestId,
    rollbackOf: input.toVersion,
  });
}
