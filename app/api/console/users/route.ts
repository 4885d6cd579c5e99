// GET /api/console/users — console users; POST — create one: 201, or 202 pending a second admin when it holds admin, reviewer or on-call (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { createUser, listUsers } from "@/lib/users/manage-users";
import { createUserInput } from "@/lib/users/user-input";

export const GET = consoleHandler(["admin"], async () => json({ users: await listUsers() }));

export const POST = consoleHandler(["admin"], async (req, { user, requestId }) => {
  const r = await createUser(await parseBody(req, createUserInput), { actorId: user.id, requestId });
  return json(r, r.status === "pending" ? 202 : 201);
});
