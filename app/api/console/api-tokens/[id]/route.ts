// DELETE /api/console/api-tokens/{id} — revoke a token (yours; an admin of every tenant may revoke any) (any role)
import { ANY_ROLE } from "@/lib/auth/roles";
import { isUnrestricted, scopesFor } from "@/lib/auth/scopes";
import { scopedConsoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { revokeApiToken } from "@/lib/auth/api-tokens";

export const DELETE = scopedConsoleHandler<{ id: string }>(ANY_ROLE, async (_req, { user, requestId, params }) => {
  await revokeApiToken(params.id, { actorId: user.id, requestId, isAdmin: isUnrestricted({ scopes: scopesFor(user, "admin") }) });
  return json({ ok: true });
});
