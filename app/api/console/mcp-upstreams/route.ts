// GET /api/console/mcp-upstreams — upstream MCP servers (health, which credentials are set, tools with status and diff), pending changes, approved calls being run and those closed as failed-unknown; POST — request a change (register, classify, reapprove, redaction_off, enable): a second admin applies it (admin)
import { z } from "zod";
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { listPendingMcpChanges, listUpstreams, requestMcpChange } from "@/lib/mcp/upstreams";
import { stdioCommands } from "@/lib/mcp/stdio-config";
import { mcpCallsView } from "@/lib/mcp/sweep";

export const GET = consoleHandler(["admin"], async () =>
  json({ upstreams: await listUpstreams(), pending: await listPendingMcpChanges(), stdio_commands: Object.keys(stdioCommands()), calls: await mcpCallsView() }),
);

export const POST = consoleHandler(["admin"], async (req, { user, requestId }) => {
  const b = await parseBody(req, z.strictObject({ change: z.unknown() }));
  return json(await requestMcpChange({ change: b.change, actorId: user.id, requestId }), 202);
});
