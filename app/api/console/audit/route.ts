// GET /api/console/audit — one filtered page of the audit log, newest first (?before=<seq> for the next)
import { scopedConsoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { pageRoles } from "@/components/console/nav-items";
import { parseAuditQuery, queryAuditPage } from "@/lib/audit/query";

export const GET = scopedConsoleHandler(pageRoles("/audit"), async (req, { user }) => {
  const { filter, before, limit } = parseAuditQuery(new URL(req.url).searchParams);
  return json(await queryAuditPage(filter, user, { before, limit }));
});
