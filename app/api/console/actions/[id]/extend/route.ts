// POST /api/console/actions/{id}/extend — give a pending action one more TTL, once
import { scopedConsoleHandler } from "@/lib/http/console-guard";
import { assertActionInScope } from "@/lib/approvals/action-scope";
import { json } from "@/lib/http/handler";
import { extendActionTtl } from "@/lib/approvals/extend-ttl";

export const POST = scopedConsoleHandler<{ id: string }>(["reviewer"], async (_req, { params, user, requestId }) => {
  await assertActionInScope(user, params.id);
  return json(await extendActionTtl(params.id, user.id, { requestId }));
});
