// POST /api/console/user-grants/{id}/reject — reject (or, for its requester, withdraw) a pending grant (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { rejectGrant, rejectGrantInput } from "@/lib/users/grants";

export const POST = consoleHandler<{ id: string }>(["admin"], async (req, { user, requestId, params }) => {
  const b = await parseBody(req, rejectGrantInput, { empty: {} });
  await rejectGrant(params.id, b.reason, { actorId: user.id, requestId });
  return json({ ok: true });
});
