import "server-only";
import { db } from "@/lib/db/client";
import { sqlFromTx } from "@/lib/db/sql";
import { AppError } from "@/lib/errors";
import { appendAudit, userActor } from "@/lib/audit/append";
import { enqueueWebhookEvent } from "@/lib/webhooks/enqueue";
import { findRouteBreaker, resetRouteBreaker, type BreakerScope } from "@/lib/db/tables/route-breaker";

/**
 * A human closes one scope's circuit breaker (route + tenant + environment, or
 * the route-wide `*`/`*` one): state closed, count 0; other scopes are left as
 * they are. Audited with a webhook.
 */
export async function resetBreaker(input: { route: string; scope: BreakerScope; actorId: string; reason: string; requestId?: string | null }): Promise<void> {
  const reason = input.reason.trim();
  if (!reason) throw new AppError("validation_failed", "Say why the breaker can be reset.", { issues: [{ path: "reason", message: "Required." }] });
  const { scope } = input;
  await db().$transaction(async (tx) => {
    const route = await tx.route.findUnique({ where: { name: input.route } });
    if (!route) throw new AppError("not_found", `No route named ${input.route}.`);
    const sql = sqlFromTx(tx);
    const before = await findRouteBreaker(sql, route.id, scope);
    if (!before) throw new AppError("not_found", `Route ${route.name} has no breaker for ${scope.tenantId}/${scope.env}.`);
    await resetRouteBreaker(sql, route.id, scope, new Date());
    await appendAudit(tx, {
      type: "breaker.reset",
      ...userActor(input),

      tenantId: scope.tenantId,
      env: scope.env,
      route: route.name,
      status: "closed",
      reason: reason.slice(0, 1000),
      data: { previous_state: before.state, previous_count: before.count },
    });
    await enqueueWebhookEvent(tx, "breaker.reset", { route: route.name, tenant: scope.tenantId, env: scope.env, state: "closed", reset_by: input.actorId });
  });
}
