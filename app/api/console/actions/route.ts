// GET /api/console/actions?view=queue|history&tenant=&env=&route=&tool=&kind=&status=&fast=&mine=&age=&q=&after=&before=&last=&older=&limit= — a queue page (keyset, true total) or a decision-history page (keyset, newest first)
import { ANY_ROLE } from "@/lib/auth/roles";
import { scopedConsoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseActionFilters, parseHistoryPage, parseQueuePage } from "@/lib/approvals/schemas";
import { consoleVersion, listQueue } from "@/lib/approvals/list-queue";
import { listHistoryPage } from "@/lib/approvals/list-history";

export const GET = scopedConsoleHandler(ANY_ROLE, async (req, { user }) => {
  const params = new URL(req.url).searchParams;
  const filters = parseActionFilters(params);
  if (params.get("view") === "history") return json(await listHistoryPage(filters, user, parseHistoryPage(params)));
  // The version first: a change landing while the page is read shows up as a newer version on the next check.
  const version = await consoleVersion(user);
  const page = await listQueue(filters, user, parseQueuePage(params));
  return json({ ...page, version, serverTime: new Date().toISOString() });
});
