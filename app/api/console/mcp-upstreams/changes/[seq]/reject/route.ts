// POST /api/console/mcp-upstreams/changes/{seq}/reject — reject (or withdraw) a pending MCP change (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { AppError } from "@/lib/errors";
import { rejectMcpChange } from "@/lib/mcp/upstreams";

export const POST = consoleHandler<{ seq: string }>(["admin"], async (_req, { user, requestId, params }) => {
  const seq = Number(params.seq);
  if (!Number.isSafeInteger(seq) || seq < 1) throw new AppError("not_found", "No such pending MCP change.");
  await rejectMcpChange({ requestSeq: seq, actorId: user.id, requestId });
  return json({ ok: true });
});
