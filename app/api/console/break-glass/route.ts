// GET /api/console/break-glass — recent sessions; POST — open one (on-call, password re-entered)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { readJson } from "@/lib/http/parse-body";
import { BREAK_GLASS_ROLES, REVIEW_ROLES } from "@/lib/break-glass/roles";
import { listRecentBreakGlass, getBreakGlass } from "@/lib/break-glass/list-sessions";
import { openBreakGlass } from "@/lib/break-glass/open-break-glass";

export const GET = consoleHandler(REVIEW_ROLES, async () => json({ sessions: await listRecentBreakGlass() }));

export const POST = consoleHandler(BREAK_GLASS_ROLES, async (req, { user, requestId }) => {
  const session = await openBreakGlass(user.id, await readJson(req), { requestId });
  return json(await getBreakGlass(session.id), 201);
});
