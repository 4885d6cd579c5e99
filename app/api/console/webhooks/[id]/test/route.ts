// POST /api/console/webhooks/{id}/test — queue a signed "webhook.test" event to one endpoint (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { sendTestWebhook } from "@/lib/webhooks/send-test-webhook";

export const POST = consoleHandler<{ id: string }>(["admin"], async (_req, { params }) => json({ delivery_id: await sendTestWebhook(params.id) }, 202));
