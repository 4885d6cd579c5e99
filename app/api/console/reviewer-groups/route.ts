// GET /api/console/reviewer-groups — groups, members and route routing (admin); POST — create a group (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { createGroup, createGroupInput, listGroups } from "@/lib/reviewer-groups/groups";

export const GET = consoleHandler(["admin"], async () => json(await listGroups()));

export const POST = consoleHandler(["admin"], async (req, { user, requestId }) => {
  const input = await parseBody(req, createGroupInput);
  return json(await createGroup(input, { actorId: user.id, requestId }), 201);
});
