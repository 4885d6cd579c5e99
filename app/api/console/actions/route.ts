// GET /api/console/actions?view=queue|history&tenant=&env=&route=&tool=&kind=&status=&fast= — the queue or the decision history
import { ANY_ROLE } from "@/lib/auth/roles";
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseActionFilters } from "@/lib/approvals/schemas";
import { listQueue } from "@/lib/approvals/list-queue";
import { listHistory } from "@/lib/approvals/list-history";

export const GET = consoleHandler(ANY_ROLE, async (req, { user }) => {
  const params = new URL(req.url).searchParams;
  const filters = parseActionFilters(params);
  if (params.get("view") === "history") return json({ items: await listHistory(filters) });
  return json({ items: await listQueue(filters, user), serverTime: new Date().toISOString() });
});
