// POST /api/console/policies/changes/{id}/rebase — the author moves a stale pending change onto the active version (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { rebasePolicyChange } from "@/lib/policy-changes/rebase-policy-change";

export const POST = consoleHandler<{ id: string }>(["admin"], async (_req, { user, requestId, params }) => {
  const r = await rebasePolicyChange({ versionId: params.id, actorId: user.id, requestId });
  return json(r, r.status === "blocked" ? 409 : r.status === "pending" ? 202 : 200);
});
