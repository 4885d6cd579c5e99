// PATCH /api/console/webhooks/{id} — events / enabled; DELETE — remove the endpoint (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { readJson } from "@/lib/http/parse-body";
import { deleteEndpoint, updateEndpoint } from "@/lib/webhook-admin/manage-endpoints";

export const PATCH = consoleHandler<{ id: string }>(["admin"], async (req, { user, requestId, params }) => {
  await updateEndpoint(params.id, await readJson(req), { actorId: user.id, requestId });
  return json({ ok: true });
});

export const DELETE = consoleHandler<{ id: string }>(["admin"], async (_req, { user, requestId, params }) => {
  await deleteEndpoint(params.id, { actorId: user.id, requestId });
  return json({ ok: true });
});
