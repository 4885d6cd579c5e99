// POST /api/console/policies/changes/{id}/reject — reject (or withdraw) a pending version (admin)
import { z } from "zod";
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { rejectPolicyChange } from "@/lib/policy-changes/reject-policy-change";

const body = z.strictObject({ reason: z.string().max(1000).default("") });

export const POST = consoleHandler<{ id: string }>(["admin"], async (req, { user, requestId, params }) => {
  const b = await parseBody(req, body);
  await rejectPolicyChange({ versionId: params.id, actorId: user.id, reason: b.reason, requestId });
  return json({ ok: true });
});
