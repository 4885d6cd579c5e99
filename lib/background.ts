import "server-only";
import { expireDueActions } from "@/lib/actions/expire-actions";
import { escalateDueActions } from "@/lib/approvals/escalate-due";
import { closeExpiredBreakGlass } from "@/lib/break-glass/close-expired";
import { startDeliveryWorker } from "@/lib/webhooks/deliver";
import { env } from "@/lib/env";
import { startPgNotify } from "@/lib/events/pg-notify";

const globalForWork = globalThis as unknown as { gatehouseBackground?: () => void };

/**
 * Per-process background work: expire pending actions past their TTL and
 * deliver webhooks and callbacks. Safe on every instance (claims are atomic).
 */
export function startBackgroundWork(): () => void {
  if (globalForWork.gatehouseBackground) return globalForWork.gatehouseBackground;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    Promise.all([expireDueActions(), closeExpiredBreakGlass(), escalateDueActions()])
      .catch((err) => console.error("expiry sweep failed", err))
      .finally(() => (busy = false));
  }, 1_000);
  timer.unref();
  const stopDelivery = startDeliveryWorker();
  // On PostgreSQL, long-poll wake-ups also travel between instances (LISTEN/NOTIFY).
  const stopNotify = env().provider === "postgres" ? startPgNotify(env().databaseUrl) : undefined;
  const stop = () => {
    clearInterval(timer);
    stopDelivery();
    void stopNotify?.();
    globalForWork.gatehouseBackground = undefined;
  };
  globalForWork.gatehouseBackground = stop;
  return stop;
}
