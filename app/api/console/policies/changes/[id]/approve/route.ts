// POST /api/console/policies/changes/{id}/approve — a second admin (never the author) approves a pending version (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { approvePolicyChange } from "@/lib/policy-changes/approve-policy-change";

export const POST = consoleHandler<{ id: string }>(["admin"], async (_req, { user, requestId, params }) => {
  const r = await approvePolicyChange({ versionId: params.id, actorId: user.id, requestId });
  return json(r, r.status === "blocked" ? 409 : 200);
});
