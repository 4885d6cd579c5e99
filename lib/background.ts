import { expireDueActions } from "@/lib/actions/expire-actions";
import { startDeliveryWorker } from "@/lib/webhooks/deliver";

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
    expireDueActions()
      .catch((err) => console.error("expiry sweep failed", err))
      .finally(() => (busy = false));
  }, 1_000);
  timer.unref();
  const stopDelivery = startDeliveryWorker();
  const stop = () => {
    clearInterval(timer);
    stopDelivery();
    globalForWork.gatehouseBackground = undefined;
  };
  globalForWork.gatehouseBackground = stop;
  return stop;
}
