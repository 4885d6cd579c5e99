// DELETE /api/console/api-tokens/{id} — revoke a token (yours; an admin may revoke any) (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { revokeApiToken } from "@/lib/auth/api-tokens";

export const DELETE = consoleHandler<{ id: string }>(["admin"], async (_req, { user, requestId, params }) => {
  await revokeApiToken(params.id, { actorId: user.id, requestId, isAdmin: user.roles.includes("admin") });
  return json({ ok: true });
});
