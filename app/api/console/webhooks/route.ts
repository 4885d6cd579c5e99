// GET /api/console/webhooks?status=&older= — endpoints and a page of the delivery log (newest first, counts by status); POST — add an endpoint, its secret shown once (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { readJson } from "@/lib/http/parse-body";
import { createEndpoint, listEndpoints } from "@/lib/webhook-admin/manage-endpoints";
import { listDeliveryPage, parseDeliveryQuery } from "@/lib/webhook-admin/deliveries";

export const GET = consoleHandler(["admin"], async (req) => {
  const query = parseDeliveryQuery(new URL(req.url).searchParams);
  return json({ endpoints: await listEndpoints(), deliveries: await listDeliveryPage(query) });
});

export const POST = consoleHandler(["admin"], async (req, { user, requestId }) => json(await createEndpoint(await readJson(req), { actorId: user.id, requestId }), 201));
