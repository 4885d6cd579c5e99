import "server-only";
import type { Exec } from "@/lib/db/types";
import { lockRouteBreaker, setRouteBreaker } from "@/lib/db/tables/route";
import { appendAudit } from "@/lib/audit/append";
import { enqueueWebhookEvent } from "@/lib/webhooks/enqueue";

/**
 * Count a denial or failure against the route's breaker; open it when the
 * count within the window reaches the threshold. A human resets it.
 */
export async function recordBreakerFailure(exec: Exec, routeId: string, ctx: { requestId?: string | null }): Promise<void> {
  // Row-locked (Postgres), so concurrent failures count one after another.
  const route = await lockRouteBreaker(exec, routeId);
  if (!route || route.breakerState === "open") return;
  const now = new Date();
  const windowSeconds = route.breakerWindowSeconds;
  const windowStart = route.breakerWindowStart;
  const windowOpen = windowStart !== null && now.getTime() - windowStart.getTime() < windowSeconds * 1000;
  const count = windowOpen ? route.breakerCount + 1 : 1;
  const opens = count >= route.breakerThreshold;
  await setRouteBreaker(exec, routeId, { count, windowStart: windowOpen ? windowStart : now, opens, now });
  if (opens) {
    await appendAudit(exec, {
      type: "breaker.opened",
      actorType: "system",
      requestId: ctx.requestId,
      route: route.name,
      status: "open",
      reason: `${count} denials or failures within ${windowSeconds} s`,
    });
    await enqueueWebhookEvent(exec, "breaker.opened", { route: route.name, count, window_seconds: windowSeconds });
  }
}
