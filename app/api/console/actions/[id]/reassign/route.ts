// POST /api/console/actions/{id}/reassign — an admin asks a group or a reviewer to decide a pending action (audited, scoped)
import { scopedConsoleHandler } from "@/lib/http/console-guard";
import { assertActionInScope } from "@/lib/approvals/action-scope";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { reassignAction, reassignInput } from "@/lib/approvals/reassign-action";

export const POST = scopedConsoleHandler<{ id: string }>(["admin"], async (req, { params, user, requestId }) => {
  await assertActionInScope(user, params.id);
  const input = await parseBody(req, reassignInput);
  return json(await reassignAction(params.id, input, { actorId: user.id, requestId }));
});
