// POST /api/console/policies/rollback — restore an earlier version as a new one (widening → pending) (admin)
import { z } from "zod";
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { rollbackPolicy } from "@/lib/policy-changes/rollback-policy";

const body = z.strictObject({ route: z.string().min(1).max(200), toVersion: z.number().int().min(1), reason: z.string().max(1000) });

export const POST = consoleHandler(["admin"], async (req, { user, requestId }) => {
  const b = await parseBody(req, body);
  const r = await rollbackPolicy({ ...b, actorId: user.id, requestId });
  return json(r, r.status === "blocked" ? 409 : r.status === "pending" ? 202 : 200);
});
