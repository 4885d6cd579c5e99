// GET /api/console/actions/{id} — one action's card and audit timeline
import { ANY_ROLE } from "@/lib/auth/roles";
import { scopedConsoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { AppError } from "@/lib/errors";
import { getActionDetail } from "@/lib/approvals/get-action-detail";

export const GET = scopedConsoleHandler<{ id: string }>(ANY_ROLE, async (_req, { params, user }) => {
  const detail = await getActionDetail(params.id, user);
  if (!detail) throw new AppError("not_found", "No such action.");
  return json({ ...detail, serverTime: new Date().toISOString() });
});
