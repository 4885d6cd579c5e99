// GET /api/cli/actions/{id} — one action's card and timeline, in the token's tenant scopes (API token, actions:read)
import { tokenHandler } from "@/lib/http/token-guard";
import { json } from "@/lib/http/handler";
import { AppError } from "@/lib/errors";
import { getActionDetail } from "@/lib/approvals/get-action-detail";

export const GET = tokenHandler<{ id: string }>("actions:read", async (_req, { params, user }) => {
  const detail = await getActionDetail(params.id, user);
  if (!detail) throw new AppError("not_found", "No such action.");
  return json(detail);
});
