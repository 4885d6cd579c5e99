// GET /api/console/actions?view=queue|history&tenant=&env=&route=&tool=&kind=&status=&fast=&mine=&age=&q=&after=&before=&last=&limit= — a queue page (keyset, true total) or the decision history
import { ANY_ROLE } from "@/lib/auth/roles";
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseActionFilters, parseQueuePage } from "@/lib/approvals/schemas";
import { consoleVersion, listQueue } from "@/lib/approvals/list-queue";
import { listHistory } from "@/lib/approvals/list-history";

export const GET = consoleHandler(ANY_ROLE, async (req, { user }) => {
  const params = new URL(req.url).searchParams;
  const filters = parseActionFilters(params);
  if (params.get("view") === "history") return json({ items: await listHistory(filters) });
  // The version first: a change landing while the page is read shows up as a newer version on the next check.
  const version = await consoleVersion();
  const page = await listQueue(filters, user, parseQueuePage(params));
  return json({ ...page, version, serverTime: new Date().toISOString() });
});
