// DELETE /api/console/reviewer-groups/{id}/members/{userId} — remove a member at once (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { removeMember } from "@/lib/reviewer-groups/groups";

export const DELETE = consoleHandler<{ id: string; userId: string }>(["admin"], async (_req, { user, requestId, params }) => {
  await removeMember(params.id, params.userId, { actorId: user.id, requestId });
  return json({ ok: true });
});
