// DELETE /api/console/policy-tests/{id} — remove an expectation (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { deletePolicyTest } from "@/lib/policy-changes/manage-policy-tests";

export const DELETE = consoleHandler<{ id: string }>(["admin"], async (_req, { user, requestId, params }) => {
  await deletePolicyTest(params.id, { actorId: user.id, requestId });
  return json({ ok: true });
});
