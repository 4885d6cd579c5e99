// POST /api/console/actions/{id}/extend — give a pending action one more TTL, once
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { extendActionTtl } from "@/lib/approvals/extend-ttl";

export const POST = consoleHandler<{ id: string }>(["reviewer"], async (_req, { params, user, requestId }) => json(await extendActionTtl(params.id, user.id, { requestId })));
