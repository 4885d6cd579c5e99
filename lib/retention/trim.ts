import "server-only";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { appendAudit } from "@/lib/audit/append";
import { LOOKBACK_MS } from "@/lib/notifications/sweep";

/**
 * Retention of the two operational queues that would otherwise grow forever: the webhook and
 * agent-callback delivery log, and the notification outbox. Only finished rows go (a delivery
 * delivered, failed or gone; a notification sent or failed), once both their creation and their last
 * attempt are older than the retention; a waiting one is never deleted. Each batch is one transaction
 * with one audit event (how many, and the cutoff), so the log says what was removed and when. The
 * audit log itself is never trimmed: notifications and retries have their own events there.
 */

/** Rows deleted per transaction, and batches per sweep (a sweep deletes at most their product). */
export const TRIM_BATCH = 500;
export const TRIM_BATCHES = 20;

const FINISHED_DELIVERY = ["delivered", "failed", "gone"];
const FINISHED_NOTIFICATION = ["sent", "failed"];

/** One batch of finished deliveries past their retention, with their attempts; how many were deleted. */
export async function trimDeliveries(now = new Date(), limit = TRIM_BATCH): Promise<number> {
  const retentionS = env().GATEHOUSE_DELIVERY_RETENTION_SECONDS;
  const before = new Date(now.getTime() - retentionS * 1000);
  // nextAttemptAt is when the last attempt was due: a delivery retried by an admin is kept for the retention after it.
  const due = { status: { in: FINISHED_DELIVERY }, createdAt: { lt: before }, nextAttemptAt: { lt: before } };
  // On the (status, nextAttemptAt) index; no order, which would sort every due row per batch.
  const ids = (await db().webhookDelivery.findMany({ where: due, select: { id: true }, take: limit })).map((r) => r.id);
  if (!ids.length) return 0;
  return db().$transaction(async (tx) => {
    // Conditional again: one an admin queued again meanwhile stays, and so do its attempts.
    const gone = await tx.webhookDelivery.deleteMany({ where: { id: { in: ids }, ...due } });
    if (!gone.count) return 0;
    const kept = new Set((await tx.webhookDelivery.findMany({ where: { id: { in: ids } }, select: { id: true } })).map((r) => r.id));
    await tx.webhookAttempt.deleteMany({ where: { deliveryId: { in: ids.filter((id) => !kept.has(id)) } } });
    await appendAudit(tx, {
      type: "webhook.deliveries_trimmed",
      actorType: "system",
      actorId: "retention",
      data: { count: gone.count, before: before.toISOString(), retention_seconds: retentionS },
    });
    return gone.count;
  });
}

/** One batch of sent or failed notifications past their retention; how many were deleted. */
export async function trimNotifications(now = new Date(), limit = TRIM_BATCH): Promise<number> {
  // Never less than twice the sweep's lookback (env() enforces it too): the outbox row is what stops a second message.
  const retentionS = Math.max(env().GATEHOUSE_NOTIFICATION_RETENTION_SECONDS, (2 * LOOKBACK_MS) / 1000);
  const before = new Date(now.getTime() - retentionS * 1000);
  const due = { status: { in: FINISHED_NOTIFICATION }, createdAt: { lt: before }, nextAttemptAt: { lt: before } };
  const ids = (await db().notificationOutbox.findMany({ where: due, select: { id: true }, take: limit })).map((r) => r.id);
  if (!ids.length) return 0;
  return db().$transaction(async (tx) => {
    const gone = await tx.notificationOutbox.deleteMany({ where: { id: { in: ids }, ...due } });
    if (!gone.count) return 0;
    await appendAudit(tx, {
      type: "notification.outbox_trimmed",
      actorType: "system",
      actorId: "retention",
      data: { count: gone.count, before: before.toISOString(), retention_seconds: retentionS },
    });
    return gone.count;
  });
}

/** The sweep: batches of each until nothing is due or TRIM_BATCHES ran; how many of each were deleted. */
export async function trimDueRecords(now = new Date()): Promise<{ deliveries: number; notifications: number }> {
  const out = { deliveries: 0, notifications: 0 };
  for (const [key, trim] of [
    ["deliveries", trimDeliveries],
    ["notifications", trimNotifications],
  ] as const) {
    for (let i = 0; i < TRIM_BATCHES; i++) {
      const n = await trim(now);
      out[key] += n;
      if (n < TRIM_BATCH) break;
    }
  }
  return out;
}
