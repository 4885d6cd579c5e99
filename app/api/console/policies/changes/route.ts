// POST /api/console/policies/changes — propose a new policy version: 200 active, 202 pending a second admin, 409 blocked by a policy test or made against a version no longer active (admin)
import { z } from "zod";
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { proposePolicyChange } from "@/lib/policy-changes/propose-policy-change";

const body = z.strictObject({ route: z.string().min(1).max(200), policy: z.unknown(), reason: z.string().max(1000), base_version: z.number().int().min(1).optional() });

export const POST = consoleHandler(["admin"], async (req, { user, requestId }) => {
  const b = await parseBody(req, body);
  const r = await proposePolicyChange({ route: b.route, policy: b.policy, reason: b.reason, baseVersion: b.base_version, actorId: user.id, requestId });
  return json(r, r.status === "blocked" ? 409 : r.status === "pending" ? 202 : 200);
});
