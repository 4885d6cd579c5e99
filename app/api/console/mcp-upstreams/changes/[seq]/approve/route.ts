// POST /api/console/mcp-upstreams/changes/{seq}/approve — apply a pending MCP change (a second admin, never the requester) (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { AppError } from "@/lib/errors";
import { approveMcpChange } from "@/lib/mcp/upstreams";

export const POST = consoleHandler<{ seq: string }>(["admin"], async (_req, { user, requestId, params }) => {
  const seq = Number(params.seq);
  if (!Number.isSafeInteger(seq) || seq < 1) throw new AppError("not_found", "No such pending MCP change.");
  await approveMcpChange({ requestSeq: seq, actorId: user.id, requestId });
  return json({ ok: true });
});
