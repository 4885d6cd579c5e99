import type { Tx } from "@/lib/db/client";
import { appendAudit } from "@/lib/audit/append";
import { enqueueWebhookEvent } from "@/lib/webhooks/enqueue";

/**
 * Count a denial or failure against the route's breaker; open it when the
 * count within the window reaches the threshold. A human resets it.
 */
export async function recordBreakerFailure(tx: Tx, routeId: string, ctx: { requestId?: string | null }): Promise<void> {
  // Touch the row first: on Postgres that takes its lock, so concurrent
  // failures count one after another instead of overwriting each other.
  await tx.$executeRaw`UPDATE "Route" SET "breakerCount" = "breakerCount" WHERE "id" = ${routeId}`;
  const route = await tx.route.findUnique({ where: { id: routeId } });
  if (!route || route.breakerState === "open") return;
  const now = new Date();
  const windowOpen =
    route.breakerWindowStart && now.getTime() - route.breakerWindowStart.getTime() < route.breakerWindowSeconds * 1000;
  const count = windowOpen ? route.breakerCount + 1 : 1;
  const opens = count >= route.breakerThreshold;
  await tx.route.update({
    where: { id: routeId },
    data: {
      breakerCount: count,
      breakerWindowStart: windowOpen ? route.breakerWindowStart : now,
      ...(opens ? { breakerState: "open", breakerOpenedAt: now } : {}),
    },
  });
  if (opens) {
    await appendAudit(tx, {
      type: "breaker.opened",
      actorType: "system",
      requestId: ctx.requestId,
      route: route.name,
      status: "open",
      reason: `${count} denials or failures within ${route.breakerWindowSeconds} s`,
    });
    await enqueueWebhookEvent(tx, "breaker.opened", { route: route.name, count, window_seconds: route.breakerWindowSeconds });
  }
}
