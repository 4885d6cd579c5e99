// PUT /api/console/mcp-upstreams/{id}/credential — set the credential Gatehouse uses for this upstream on one tenant/env (write-only: never returned; sealed at rest); DELETE — remove it (a narrowing, at once: that tenant/env's tools are hidden and its calls fail closed) (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { credentialInput, credentialScopeInput, removeUpstreamCredential, setUpstreamCredential } from "@/lib/mcp/upstreams";

export const PUT = consoleHandler<{ id: string }>(["admin"], async (req, { user, requestId, params }) => {
  const body = await parseBody(req, credentialInput);
  await setUpstreamCredential({ upstreamId: params.id, body, actorId: user.id, requestId });
  return json({ ok: true });
});

export const DELETE = consoleHandler<{ id: string }>(["admin"], async (req, { user, requestId, params }) => {
  const { tenant, env } = await parseBody(req, credentialScopeInput);
  await removeUpstreamCredential({ upstreamId: params.id, tenant, env, actorId: user.id, requestId });
  return json({ ok: true });
});
