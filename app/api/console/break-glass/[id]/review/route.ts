// GET /api/console/break-glass/{id}/review — the session and everything done under it; POST — acknowledge (not your own)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { readJson } from "@/lib/http/parse-body";
import { AppError } from "@/lib/errors";
import { REVIEW_ROLES } from "@/lib/break-glass/roles";
import { acknowledgeBreakGlassReview, getBreakGlassReview } from "@/lib/break-glass/review";

export const GET = consoleHandler<{ id: string }>(REVIEW_ROLES, async (_req, { params }) => {
  const review = await getBreakGlassReview(params.id);
  if (!review) throw new AppError("not_found", "No such break-glass session.");
  return json(review);
});

export const POST = consoleHandler<{ id: string }>(REVIEW_ROLES, async (req, { user, requestId, params }) => {
  const body = await readJson(req, { empty: {} });
  await acknowledgeBreakGlassReview(params.id, user.id, body, { requestId });
  return json(await getBreakGlassReview(params.id));
});
