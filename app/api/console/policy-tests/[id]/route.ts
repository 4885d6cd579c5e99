// DELETE /api/console/policy-tests/{id} — ask to remove an expectation: 202, it takes a second admin (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { requestPolicyTestDeletion } from "@/lib/policy-changes/manage-policy-tests";

export const DELETE = consoleHandler<{ id: string }>(["admin"], async (req, { user, requestId, params }) => {
  const reason = new URL(req.url).searchParams.get("reason") ?? "";
  return json(await requestPolicyTestDeletion(params.id, reason, { actorId: user.id, requestId }), 202);
});
