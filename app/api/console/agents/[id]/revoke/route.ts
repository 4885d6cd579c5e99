// POST /api/console/agents/{id}/revoke — the key's next request gets 401 (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { revokeCredential } from "@/lib/agents/create-credential";

export const POST = consoleHandler<{ id: string }>(["admin"], async (_req, { user, requestId, params }) => {
  await revokeCredential(params.id, user.id, { requestId });
  return json({ ok: true });
});
