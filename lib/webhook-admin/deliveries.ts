import "server-only";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { appendAudit, userActor } from "@/lib/audit/append";

export type DeliveryRow = {
  id: string;
  kind: string;
  endpointId: string | null;
  url: string;
  event: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string;
  deliveredAt: string | null;
  createdAt: string;
  log: { at: string; statusCode: number | null; error: string | null; durationMs: number }[];
};

/** The newest deliveries (webhooks and agent callbacks) with their attempts. Payloads are not included. */
export async function listDeliveries(opts: { endpointId?: string; limit?: number } = {}): Promise<DeliveryRow[]> {
  const rows = await db().webhookDelivery.findMany({
    where: opts.endpointId ? { endpointId: opts.endpointId } : {},
    orderBy: { createdAt: "desc" },
    take: Math.min(opts.limit ?? 50, 200),
  });
  const attempts = await db().webhookAttempt.findMany({ where: { deliveryId: { in: rows.map((r) => r.id) } }, orderBy: { at: "asc" } });
  return rows.map((d) => ({
    id: d.id,
    kind: d.kind,
    endpointId: d.endpointId,
    url: d.url,
    event: d.event,
    status: d.status,
    attempts: d.attempts,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    nextAttemptAt: d.nextAttemptAt.toISOString(),
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
    createdAt: d.createdAt.toISOString(),
    log: attempts.filter((a) => a.deliveryId === d.id).map((a) => ({ at: a.at.toISOString(), statusCode: a.statusCode, error: a.error, durationMs: a.durationMs })),
  }));
}

/** Queue a failed or given-up delivery again, due now. A delivered one is not re-sent. */
export async function retryDelivery(id: string, ctx: { actorId: string; requestId?: string | null }): Promise<void> {
  await db().$transaction(async (tx) => {
    const d = await tx.webhookDelivery.findUnique({ where: { id } });
    if (!d) throw new AppError("not_found", "Delivery not found.");
    if (d.status === "delivered") throw new AppError("conflict", "This delivery already succeeded.");
    await tx.webhookDelivery.update({ where: { id }, data: { status: "pending", nextAttemptAt: new Date(), claimedBy: null, claimedUntil: null } });
    await appendAudit(tx, {
      type: "webhook.delivery_retried",
      ...userActor(ctx),

      data: { delivery_id: id, event: d.event, previous_status: d.status },
    });
  });
}
