// PUT /api/console/tools/{name} — edit a tool (less strict kind → pending a second admin); DELETE — remove it (admin)
import { z } from "zod";
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { AppError } from "@/lib/errors";
import { parseBody } from "@/lib/http/parse-body";
import { deleteTool, saveTool } from "@/lib/catalog/save-tool";

export const PUT = consoleHandler<{ name: string }>(["admin"], async (req, { user, requestId, params }) => {
  const b = await parseBody(req, z.strictObject({ entry: z.record(z.string(), z.unknown()) }));
  if (b.entry.name !== params.name) throw new AppError("validation_failed", "A tool cannot be renamed.", { issues: [{ path: "entry.name", message: `Must be ${params.name}.` }] });
  const r = await saveTool({ entry: b.entry, mode: "update", actorId: user.id, requestId });
  return json(r, r.status === "pending" ? 202 : 200);
});

export const DELETE = consoleHandler<{ name: string }>(["admin"], async (_req, { user, requestId, params }) => {
  await deleteTool({ name: params.name, actorId: user.id, requestId });
  return json({ ok: true });
});
