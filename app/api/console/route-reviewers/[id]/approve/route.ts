// POST /api/console/route-reviewers/{id}/approve — a second admin applies a pending loosening of a route's required groups (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { approveRequiredGroups } from "@/lib/reviewer-groups/groups";

export const POST = consoleHandler<{ id: string }>(["admin"], async (_req, { user, requestId, params }) => {
  return json(await approveRequiredGroups(params.id, { actorId: user.id, requestId, channel: "console" }));
});
