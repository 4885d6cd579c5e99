// GET /api/console/break-glass/pending?q= — pending actions the on-call may approve alone: the newest 50 matching q, and how many match
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { BREAK_GLASS_ROLES } from "@/lib/break-glass/roles";
import { parseActionFilters } from "@/lib/approvals/schemas";
import { listQueue } from "@/lib/approvals/list-queue";

/** The queue's own listing (scopes, unexpired only, search, true total), its last page, newest first. */
export const GET = consoleHandler(BREAK_GLASS_ROLES, async (req, { user }) => {
  const { q } = parseActionFilters(new URL(req.url).searchParams);
  const page = await listQueue(q ? { q } : {}, user, { last: true, limit: BREAK_GLASS_PENDING_PAGE });
  return json({ actions: [...page.items].reverse(), total: page.total });
});

const BREAK_GLASS_PENDING_PAGE = 50;
