import "server-only";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { appendAudit } from "@/lib/audit/append";
import { LOOKBACK_MS } from "@/lib/notifications/sweep";
import type { Tx } from "@/lib/db/types";

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

/** The rows a trim may delete: finished, created and last attempted before the cutoff. */
type Due = { status: { in: string[] }; createdAt: { lt: Date }; nextAttemptAt: { lt: Date } };

/** One batch of one queue: its due rows (by `find`), deleted again under the same conditions (`remove`, in one transaction with its audit event). */
async function trimBatch(
  q: { retentionS: number; finished: string[]; audit: string; find: (due: Due, limit: number) => Promise<string[]>; remove: (tx: Tx, ids: string[], due: Due) => Promise<number> },
  now: Date,
  limit: number,
): Promise<number> {
  const before = new Date(now.getTime() - q.retentionS * 1000);
  // nextAttemptAt is when the last attempt was due: a row retried by an admin is kept for the retention after it.
  const due: Due = { status: { in: q.finished }, createdAt: { lt: before }, nextAttemptAt: { lt: before } };
  const ids = await q.find(due, limit);
  if (!ids.length) return 0;
  return db().$transaction(async (tx) => {
    // Conditional again: one queued again meanwhile stays.
    const gone = await q.remove(tx, ids, due);
    if (!gone) return 0;
    await appendAudit(tx, { type: q.audit, actorType: "system", actorId: "retention", data: { count: gone, before: before.toISOString(), retention_seconds: q.retentionS } });
    return gone;
  });
}

// Both reads are on the (status, nextAttemptAt) index, with no order, which would sort every due row per batch.

/** One batch of finished deliveries past their retention, with their attempts; how many were deleted. */
export function trimDeliveries(now = new Date(), limit = TRIM_BATCH): Promise<number> {
  return trimBatch(
    {
      retentionS: env().GATEHOUSE_DELIVERY_RETENTION_SECONDS,
      finished: ["delivered", "failed", "gone"],
      audit: "webhook.deliveries_trimmed",
      find: async (due, take) => (await db().webhookDelivery.findMany({ where: due, select: { id: true }, take })).map((r) => r.id),
      remove: async (tx, ids, due) => {
        const gone = await tx.webhookDelivery.deleteMany({ where: { id: { in: ids }, ...due } });
        if (!gone.count) return 0;
        // A delivery that stayed keeps its attempts.
        const kept = new Set((await tx.webhookDelivery.findMany({ where: { id: { in: ids } }, select: { id: true } })).map((r) => r.id));
        await tx.webhookAttempt.deleteMany({ where: { deliveryId: { in: ids.filter((id) => !kept.has(id)) } } });
        return gone.count;
      },
    },
    now,
    limit,
  );
}

/** One batch of sent or failed notifications past their retention; how many were deleted. */
export function trimNotifications(now = new Date(), limit = TRIM_BATCH): Promise<number> {
  return trimBatch(
    {
      // Never less than twice the sweep's lookback (env() enforces it too): the outbox row is what stops a second message.
      retentionS: Math.max(env().GATEHOUSE_NOTIFICATION_RETENTION_SECONDS, (2 * LOOKBACK_MS) / 1000),
      finished: ["sent", "failed"],
      audit: "notification.outbox_trimmed",
      find: async (due, take) => (await db().notificationOutbox.findMany({ where: due, select: { id: true }, take })).map((r) => r.id),
      remove: async (tx, ids, due) => (await tx.notificationOutbox.deleteMany({ where: { id: { in: ids }, ...due } })).count,
    },
    now,
    limit,
  );
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
