// PUT /api/console/route-reviewers — set a route's reviewer group, escalation chain and required groups, for one tenant or `*` (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { routeReviewersInput, setRouteReviewers } from "@/lib/reviewer-groups/groups";

export const PUT = consoleHandler(["admin"], async (req, { user, requestId }) => {
  const input = await parseBody(req, routeReviewersInput);
  return json(await setRouteReviewers(input, { actorId: user.id, requestId }));
});
