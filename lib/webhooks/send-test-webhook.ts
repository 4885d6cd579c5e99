import "server-only";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { buildPayload } from "@/lib/webhooks/enqueue";
import { TEST_EVENT_TYPE } from "@/lib/webhooks/events";

/**
 * Queue a "webhook.test" event for one endpoint, whatever it subscribes to,
 * so an admin can check the receiver and its signature check. Returns the
 * delivery id (its attempts show in the delivery log).
 */
export async function sendTestWebhook(endpointId: string): Promise<string> {
  const ep = await db().webhookEndpoint.findUnique({ where: { id: endpointId } });
  if (!ep) throw new AppError("not_found", "Webhook endpoint not found.");
  if (!ep.enabled) throw new AppError("conflict", "Webhook endpoint is disabled.");
  const row = await db().webhookDelivery.create({
    data: {
      kind: "webhook",
      endpointId: ep.id,
      url: ep.url,
      event: TEST_EVENT_TYPE,
      payload: buildPayload(TEST_EVENT_TYPE, { endpoint_id: ep.id, message: "Test event from Gatehouse." }),
    },
  });
  return row.id;
}
