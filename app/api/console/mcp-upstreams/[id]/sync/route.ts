// POST /api/console/mcp-upstreams/{id}/sync — re-read the upstream's tools/list with one tenant/env's credential: new tools arrive unclassified, changed ones are withheld (admin)
import { z } from "zod";
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { AppError } from "@/lib/errors";
import { db } from "@/lib/db/client";
import { syncUpstreamTools } from "@/lib/mcp/upstreams";

export const POST = consoleHandler<{ id: string }>(["admin"], async (req, { user, requestId, params }) => {
  const b = await parseBody(req, z.strictObject({ tenant: z.string().min(1).max(100), env: z.enum(["prod", "staging", "dev"]) }));
  const u = await db().mcpUpstream.findUnique({ where: { id: params.id } });
  if (!u || u.status !== "active") throw new AppError("not_found", "No such active upstream.");
  return json(await syncUpstreamTools(u, { tenantId: b.tenant, env: b.env }, { actorType: "user", actorId: user.id, requestId }));
});
