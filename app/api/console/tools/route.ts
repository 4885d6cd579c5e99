// GET /api/console/tools — the catalog (full entries) and pending tool changes; POST — add a tool (admin)
import { z } from "zod";
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { listTools } from "@/lib/catalog/load-tool-map";
import { listPendingToolChanges, saveTool } from "@/lib/catalog/save-tool";

export const GET = consoleHandler(["admin"], async () => json({ tools: await listTools(), pending: await listPendingToolChanges() }));

export const POST = consoleHandler(["admin"], async (req, { user, requestId }) => {
  const b = await parseBody(req, z.strictObject({ entry: z.unknown() }));
  const r = await saveTool({ entry: b.entry, mode: "create", actorId: user.id, requestId });
  return json(r, r.status === "pending" ? 202 : 201);
});
