import "server-only";
import { db } from "@/lib/db/client";
import { waiterCount } from "@/lib/events/action-events";
import { metrics } from "@/lib/metrics/registry";

/**
 * The Prometheus text exposition. Gauges are read here, at scrape time:
 * pending from the database (so every instance reports the same total),
 * waiters from this instance's event bus.
 */
export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  const m = metrics();
  m.pending.set(await db().action.count({ where: { status: "pending" } }));
  m.waiters.set(waiterCount());
  return { contentType: m.registry.contentType, body: await m.registry.metrics() };
}
