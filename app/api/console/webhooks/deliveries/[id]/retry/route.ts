// POST /api/console/webhooks/deliveries/{id}/retry — queue a failed delivery again, due now (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { retryDelivery } from "@/lib/webhook-admin/deliveries";

export const POST = consoleHandler<{ id: string }>(["admin"], async (_req, { user, requestId, params }) => {
  await retryDelivery(params.id, { actorId: user.id, requestId });
  return json({ ok: true });
});
