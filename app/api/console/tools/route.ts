// GET /api/console/tools — the catalog (full entries) and pending tool changes; POST — add a tool (admin)
import { z } from "zod";
import { db } from "@/lib/db/client";
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseConsoleBody } from "@/lib/webhook-admin/parse-console-body";
import { loadToolMap } from "@/lib/policy/propose-policy-change";
import { listPendingToolChanges, saveTool } from "@/lib/catalog/save-tool";

export const GET = consoleHandler(["admin"], async () => {
  const tools = [...(await loadToolMap(db())).values()].sort((a, b) => a.name.localeCompare(b.name));
  return json({ tools, pending: await listPendingToolChanges() });
});

export const POST = consoleHandler(["admin"], async (req, { user, requestId }) => {
  const b = await parseConsoleBody(req, z.strictObject({ entry: z.unknown() }));
  const r = await saveTool({ entry: b.entry, mode: "create", actorId: user.id, requestId });
  return json(r, r.status === "pending" ? 202 : 201);
});
