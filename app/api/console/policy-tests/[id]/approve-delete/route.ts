// POST /api/console/policy-tests/{id}/approve-delete — a second admin (never the requester) deletes the test (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { approvePolicyTestDeletion } from "@/lib/policy-changes/manage-policy-tests";

export const POST = consoleHandler<{ id: string }>(["admin"], async (_req, { user, requestId, params }) => {
  await approvePolicyTestDeletion(params.id, { actorId: user.id, requestId });
  return json({ ok: true });
});
