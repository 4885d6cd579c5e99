// POST /api/console/agents/{id}/rotate — new key for the same scope, the old one revoked (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { rotateCredential } from "@/lib/agents/rotate-credential";

export const POST = consoleHandler<{ id: string }>(["admin"], async (_req, { user, requestId, params }) => {
  const r = await rotateCredential(params.id, user.id, { requestId });
  return json({ id: r.id, key: r.key, callback_secret: r.callbackSecret, key_prefix: r.keyPrefix }, 201);
});
