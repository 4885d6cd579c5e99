// POST /api/console/user-grants/{id}/approve — a second admin (never the requester, the account itself, or someone the requester elevated recently) applies a grant (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { approveGrant } from "@/lib/users/grants";

export const POST = consoleHandler<{ id: string }>(["admin"], async (_req, { user, requestId, params }) => {
  return json(await approveGrant(params.id, { actorId: user.id, requestId, channel: "console" }));
});
