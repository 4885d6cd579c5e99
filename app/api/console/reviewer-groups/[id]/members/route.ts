// POST /api/console/reviewer-groups/{id}/members — ask for a user to join the group: a grant a second admin approves (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { addMemberInput, requestMembership } from "@/lib/reviewer-groups/groups";

export const POST = consoleHandler<{ id: string }>(["admin"], async (req, { user, requestId, params }) => {
  const input = await parseBody(req, addMemberInput);
  return json(await requestMembership(params.id, input.user_id, { actorId: user.id, requestId }), 202);
});
