// GET /api/console/sso-mappings — identity-provider groups → roles and scopes; PUT — set one (no roles: remove): 200, or 202 pending a second admin when it adds access (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { listSsoMappings, setSsoMapping, ssoMappingInput } from "@/lib/users/sso-mappings";

export const GET = consoleHandler(["admin"], async () => json({ mappings: await listSsoMappings() }));

export const PUT = consoleHandler(["admin"], async (req, { user, requestId }) => {
  const r = await setSsoMapping(await parseBody(req, ssoMappingInput), { actorId: user.id, requestId });
  return json(r, r.status === "pending" ? 202 : 200);
});
