// POST /api/console/mcp-upstreams/tools/{tool}/redaction — {enabled:true} turns secret redaction of results back on at once; {enabled:false} (byte-exact results) is a request a second admin applies (admin)
import { z } from "zod";
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { enableResultRedaction, requestMcpChange } from "@/lib/mcp/upstreams";

export const POST = consoleHandler<{ tool: string }>(["admin"], async (req, { user, requestId, params }) => {
  const b = await parseBody(req, z.strictObject({ enabled: z.boolean() }));
  if (b.enabled) {
    await enableResultRedaction({ tool: params.tool, actorId: user.id, requestId });
    return json({ ok: true });
  }
  return json(await requestMcpChange({ change: { op: "redaction_off", tool: params.tool }, actorId: user.id, requestId }), 202);
});
