import "server-only";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { appendAudit } from "@/lib/audit/append";
import { enqueueWebhookEvent } from "@/lib/webhooks/enqueue";

/** A human closes a route's circuit breaker: state closed, count 0; audited with a webhook. */
export async function resetBreaker(input: { route: string; actorId: string; reason: string; requestId?: string | null }): Promise<void> {
  const reason = input.reason.trim();
  if (!reason) throw new AppError("validation_failed", "Say why the breaker can be reset.", { issues: [{ path: "reason", message: "Required." }] });
  await db().$transaction(async (tx) => {
    const route = await tx.route.findUnique({ where: { name: input.route } });
    if (!route) throw new AppError("not_found", `No route named ${input.route}.`);
    await tx.route.update({ where: { id: route.id }, data: { breakerState: "closed", breakerCount: 0, breakerWindowStart: null, breakerOpenedAt: null } });
    await appendAudit(tx, {
      type: "breaker.reset",
      actorType: "user",
      actorId: input.actorId,
      requestId: input.requestId ?? null,
      route: route.name,
      status: "closed",
      reason: reason.slice(0, 1000),
      data: { previous_state: route.breakerState, previous_count: route.breakerCount },
    });
    await enqueueWebhookEvent(tx, "breaker.reset", { route: route.name, state: "closed", reset_by: input.actorId });
  });
}
