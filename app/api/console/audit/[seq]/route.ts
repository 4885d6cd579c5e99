// GET /api/console/audit/{seq} — one audit event in full
import { scopedConsoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { AppError } from "@/lib/errors";
import { pageRoles } from "@/components/console/nav-items";
import { getAuditEvent } from "@/lib/audit/query";

export const GET = scopedConsoleHandler<{ seq: string }>(pageRoles("/audit"), async (_req, { params, user }) => {
  const seq = Number(params.seq);
  const event = Number.isSafeInteger(seq) && seq > 0 ? await getAuditEvent(seq, user) : null;
  if (!event) throw new AppError("not_found", "No such audit event.");
  return json(event);
});
