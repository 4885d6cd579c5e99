// POST /api/console/policy-tests/{id}/cancel-delete — withdraw or refuse a requested deletion; the test stays (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { cancelPolicyTestDeletion } from "@/lib/policy-changes/manage-policy-tests";

export const POST = consoleHandler<{ id: string }>(["admin"], async (_req, { user, requestId, params }) => {
  await cancelPolicyTestDeletion(params.id, { actorId: user.id, requestId });
  return json({ ok: true });
});
