import "server-only";
import type { Exec } from "@/lib/db/types";
import { lockRouteBreaker, setRouteBreaker, type BreakerScope } from "@/lib/db/tables/route-breaker";
import { appendAudit } from "@/lib/audit/append";
import { enqueueWebhookEvent } from "@/lib/webhooks/enqueue";

/**
 * Denials that say nothing about the route's health, so they never count:
 * a run out of its own budget or ended is that run's problem; a kill switch
 * or an open breaker is a human's stop already in force. Invalid arguments
 * (422) and idempotency mismatches never reach this counter at all.
 */
const NOT_COUNTED: ReadonlySet<string> = new Set(["circuit_open", "kill_switch", "budget_steps", "budget_seconds", "budget_usd", "run_ended"]);

/** Does a proposal denied for `reason` count toward opening its scope's breaker? */
export function countsTowardBreaker(reason: string): boolean {
  return !NOT_COUNTED.has(reason);
}

/**
 * Count a policy denial or a reported tool failure against the breaker of
 * this route, tenant and environment; open it when the count within the
 * window reaches the route's threshold. Other tenants' and environments'
 * breakers on the route are untouched. A human resets it.
 */
export async function recordBreakerFailure(exec: Exec, routeId: string, scope: BreakerScope, ctx: { requestId?: string | null }): Promise<void> {
  const now = new Date();
  const b = await lockRouteBreaker(exec, routeId, scope, now);
  if (!b || b.state === "open") return;
  const windowOpen = b.windowStart !== null && now.getTime() - b.windowStart.getTime() < b.windowSeconds * 1000;
  const count = windowOpen ? b.count + 1 : 1;
  const opens = count >= b.threshold;
  await setRouteBreaker(exec, routeId, scope, { count, windowStart: windowOpen ? b.windowStart! : now, opens, now });
  if (opens) {
    await appendAudit(exec, {
      type: "breaker.opened",
      actorType: "system",
      requestId: ctx.requestId,
      tenantId: scope.tenantId,
      env: scope.env,
      route: b.routeName,
      status: "open",
      reason: `${count} denials or failures within ${b.windowSeconds} s`,
    });
    await enqueueWebhookEvent(exec, "breaker.opened", { route: b.routeName, tenant: scope.tenantId, env: scope.env, count, window_seconds: b.windowSeconds });
  }
}
