import "server-only";
import { expireDueActions } from "@/lib/actions/expire-actions";
import { advanceEscalationChains, escalateDueActions } from "@/lib/approvals/escalate-due";
import { closeExpiredBreakGlass } from "@/lib/break-glass/close-expired";
import { startDeliveryWorker } from "@/lib/webhooks/deliver";
import { env } from "@/lib/env";
import { startPgNotify } from "@/lib/events/pg-notify";
import { reduceDueCardCopies } from "@/lib/approvals/reduce-card-copies";
import { startPreviewWorker } from "@/lib/previews/request-preview";
import { startNotificationWorker } from "@/lib/notifications/deliver";
import { notificationSweeper } from "@/lib/notifications/sweep";
import { sweepMcpCalls } from "@/lib/mcp/sweep";
import { runApprovedMcpCalls } from "@/lib/mcp/runner";
import { trimDueRecords } from "@/lib/retention/trim";

const globalForWork = globalThis as unknown as { gatehouseBackground?: () => void };

/**
 * Per-process background work: expire pending actions past their TTL, reduce
 * card copies past their retention, run approved MCP gateway calls, ask tool services for previews,
 * deliver webhooks and callbacks, and trim finished deliveries and notifications past their retention.
 * Safe on every instance (claims are atomic; a trim deletes only what is still due).
 */
export function startBackgroundWork(): () => void {
  if (globalForWork.gatehouseBackground) return globalForWork.gatehouseBackground;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    Promise.all([
      expireDueActions(),
      closeExpiredBreakGlass(),
      escalateDueActions().then(() => advanceEscalationChains()),
      reduceDueCardCopies(),
      sweepMcpCalls(),
      runApprovedMcpCalls(),
    ])
      .catch((err) => console.error("expiry sweep failed", err))
      .finally(() => (busy = false));
  }, 1_000);
  timer.unref();
  // Retention (lib/retention): once a minute, in bounded batches, off every request's path.
  let trimming = false;
  const trimTimer = setInterval(() => {
    if (trimming) return;
    trimming = true;
    trimDueRecords()
      .catch((err) => console.error("retention sweep failed", err))
      .finally(() => (trimming = false));
  }, 60_000);
  trimTimer.unref();
  const stopDelivery = startDeliveryWorker();
  // Its own loop: a preview request may take seconds and must not hold up expiry.
  const stopPreviews = startPreviewWorker();
  // E-mail notifications (GATEHOUSE_SMTP_URL): their own loop, off every decision's and agent's path.
  // A full sweep every minute, and in between only what changed (notificationSweeper).
  const sweepNotifications = notificationSweeper();
  const stopNotifications = startNotificationWorker(async () => (await sweepNotifications()).written);
  // On PostgreSQL, long-poll wake-ups also travel between instances (LISTEN/NOTIFY).
  const stopNotify = env().provider === "postgres" ? startPgNotify(env().databaseUrl) : undefined;
  const stop = () => {
    clearInterval(timer);
    clearInterval(trimTimer);
    stopDelivery();
    stopPreviews();
    stopNotifications();
    void stopNotify?.();
    globalForWork.gatehouseBackground = undefined;
  };
  globalForWork.gatehouseBackground = stop;
  return stop;
}
