import "server-only";
import { db } from "@/lib/db/client";
import type { WebhookDelivery } from "@/lib/db/types";
import { z } from "zod";
import { AppError, zodIssues } from "@/lib/errors";
import { decodeCursor, encodeCursor } from "@/lib/approvals/list-queue";
import { DELIVERY_PAGE, DELIVERY_STATUSES, type DeliveryStatus } from "@/lib/webhook-admin/delivery-log";
import { appendAudit, userActor } from "@/lib/audit/append";
import { env } from "@/lib/env";

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

/**
 * One page of the delivery log, newest first; `older` is the next page's cursor (null on the last); `counts` every delivery by
 * status; `retentionSeconds` how long a finished one is kept after its last attempt (lib/retention).
 */
export type DeliveryPage = { items: DeliveryRow[]; older: string | null; counts: Record<DeliveryStatus, number>; retentionSeconds: number };

const deliveryQuery = z.strictObject({ status: z.enum(DELIVERY_STATUSES).optional(), older: z.string().max(200).optional() });

/** The log's query string (`status`, `older`); anything else, or a malformed value, is a 422. */
export function parseDeliveryQuery(params: URLSearchParams): { status?: DeliveryStatus; older?: string } {
  const parsed = deliveryQuery.safeParse(Object.fromEntries([...params].filter(([, v]) => v !== "")));
  if (!parsed.success) throw new AppError("validation_failed", "Invalid delivery log query.", { issues: zodIssues(parsed.error.issues) });
  return parsed.data;
}

/**
 * A page of the delivery log (webhooks and agent callbacks, with their attempts), newest first by keyset on
 * (createdAt, id), optionally one status: an old failed delivery is reachable however many came after it.
 */
export async function listDeliveryPage(opts: { status?: DeliveryStatus; older?: string; limit?: number } = {}): Promise<DeliveryPage> {
  const limit = opts.limit ?? DELIVERY_PAGE;
  const base = opts.status ? { status: opts.status } : {};
  const k = opts.older ? decodeCursor(opts.older) : null;
  const where = k ? { AND: [base, { OR: [{ createdAt: { lt: k.at } }, { createdAt: k.at, id: { lt: k.id } }] }] } : base;
  const [rows, grouped] = await Promise.all([
    db().webhookDelivery.findMany({ where, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: limit + 1 }),
    db().webhookDelivery.groupBy({ by: ["status"], _count: { _all: true } }),
  ]);
  const page = rows.slice(0, limit);
  const last = rows.length > limit ? page.at(-1)! : null;
  const counts = Object.fromEntries(DELIVERY_STATUSES.map((st) => [st, grouped.find((g) => g.status === st)?._count._all ?? 0])) as Record<DeliveryStatus, number>;
  return {
    items: await withAttempts(page),
    older: last ? encodeCursor({ at: last.createdAt, id: last.id }) : null,
    counts,
    retentionSeconds: env().GATEHOUSE_DELIVERY_RETENTION_SECONDS,
  };
}

async function withAttempts(rows: WebhookDelivery[]): Promise<DeliveryRow[]> {
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
    // Conditional on the status just read: a worker or the retention sweep (lib/retention) that got there first makes this a 409, not a 500.
    const queued = await tx.webhookDelivery.updateMany({
      where: { id, status: d.status },
      data: { status: "pending", nextAttemptAt: new Date(), claimedBy: null, claimedUntil: null },
    });
    if (queued.count !== 1) throw new AppError("conflict", "This delivery changed meanwhile; reload the log.");
    await appendAudit(tx, {
      type: "webhook.delivery_retried",
      ...userActor(ctx),

      data: { delivery_id: id, event: d.event, previous_status: d.status },
    });
  });
}
