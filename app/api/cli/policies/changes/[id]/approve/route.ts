// POST /api/cli/policies/changes/{id}/approve — exists so the rule is explicit: an approval given with an API token never counts as the second admin (403 channel)
import { tokenHandler } from "@/lib/http/token-guard";
import { json } from "@/lib/http/handler";
import { approvePolicyChange } from "@/lib/policy-changes/approve-policy-change";

export const POST = tokenHandler<{ id: string }>("policy:approve", async (_req, { user, requestId, params }) => {
  const r = await approvePolicyChange({ versionId: params.id, actorId: user.id, requestId, channel: "api_token" });
  return json(r);
});
