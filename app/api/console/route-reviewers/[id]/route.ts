// DELETE /api/console/route-reviewers/{id} — remove a route's routing (back to every in-scope reviewer) unless it names required groups (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { deleteRouteReviewers } from "@/lib/reviewer-groups/groups";

export const DELETE = consoleHandler<{ id: string }>(["admin"], async (_req, { user, requestId, params }) => {
  await deleteRouteReviewers(params.id, { actorId: user.id, requestId });
  return json({ ok: true });
});
