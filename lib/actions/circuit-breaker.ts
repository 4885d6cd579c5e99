import type { Tx } from "@/lib/db/client";
import { asDate, asSql, type Sql } from "@/lib/db/sql";
import { appendAudit } from "@/lib/audit/append";
import { enqueueWebhookEvent } from "@/lib/webhooks/enqueue";

type BreakerRow = {
  name: string;
  breakerState: string;
  breakerCount: unknown;
  breakerWindowStart: unknown;
  breakerThreshold: unknown;
  breakerWindowSeconds: unknown;
};

/**
 * Count a denial or failure against the route's breaker; open it when the
 * count within the window reaches the threshold. A human resets it.
 */
export async function recordBreakerFailure(exec: Tx | Sql, routeId: string, ctx: { requestId?: string | null }): Promise<void> {
  const sql = asSql(exec);
  // Touch the row first: on Postgres that takes its lock, so concurrent
  // failures count one after another instead of overwriting each other.
  await sql.run(`UPDATE "Route" SET "breakerCount" = "breakerCount" WHERE "id" = ?`, [routeId]);
  const route = await sql.get<BreakerRow>(
    `SELECT "name", "breakerState", "breakerCount", "breakerWindowStart", "breakerThreshold", "breakerWindowSeconds" FROM "Route" WHERE "id" = ?`,
    [routeId],
  );
  if (!route || route.breakerState === "open") return;
  const now = new Date();
  const windowSeconds = Number(route.breakerWindowSeconds);
  const windowStart = asDate(route.breakerWindowStart);
  const windowOpen = windowStart !== null && now.getTime() - windowStart.getTime() < windowSeconds * 1000;
  const count = windowOpen ? Number(route.breakerCount) + 1 : 1;
  const opens = count >= Number(route.breakerThreshold);
  await sql.run(
    `UPDATE "Route" SET "breakerCount" = ?, "breakerWindowStart" = ?,
       "breakerState" = CASE WHEN ? THEN 'open' ELSE "breakerState" END,
       "breakerOpenedAt" = CASE WHEN ? THEN ? ELSE "breakerOpenedAt" END
     WHERE "id" = ?`,
    [count, windowOpen ? windowStart : now, opens, opens, now, routeId],
  );
  if (opens) {
    await appendAudit(sql, {
      type: "breaker.opened",
      actorType: "system",
      requestId: ctx.requestId,
      route: route.name,
      status: "open",
      reason: `${count} denials or failures within ${windowSeconds} s`,
    });
    await enqueueWebhookEvent(sql, "breaker.opened", { route: route.name, count, window_seconds: windowSeconds });
  }
}
