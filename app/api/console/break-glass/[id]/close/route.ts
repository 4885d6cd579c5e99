// POST /api/console/break-glass/{id}/close — end your own session early
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { BREAK_GLASS_ROLES } from "@/lib/break-glass/roles";
import { closeBreakGlass } from "@/lib/break-glass/close-break-glass";
import { getBreakGlass } from "@/lib/break-glass/list-sessions";

export const POST = consoleHandler<{ id: string }>(BREAK_GLASS_ROLES, async (_req, { user, requestId, params }) => {
  await closeBreakGlass(params.id, user.id, { requestId });
  return json(await getBreakGlass(params.id));
});
