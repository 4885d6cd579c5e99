// GET /api/console/webhooks — endpoints and the delivery log; POST — add an endpoint, its secret shown once (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { readJson } from "@/lib/http/parse-body";
import { createEndpoint, listEndpoints } from "@/lib/webhook-admin/manage-endpoints";
import { listDeliveries } from "@/lib/webhook-admin/deliveries";

export const GET = consoleHandler(["admin"], async () => json({ endpoints: await listEndpoints(), deliveries: await listDeliveries() }));

export const POST = consoleHandler(["admin"], async (req, { user, requestId }) => json(await createEndpoint(await readJson(req), { actorId: user.id, requestId }), 201));
