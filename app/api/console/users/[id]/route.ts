// PATCH /api/console/users/{id} — roles, scopes, per-role scopes (role_scopes), name, disabled (202 pending a second admin when it grants a counting role or re-enables one); DELETE — remove (never the last enabled admin) (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { deleteUser, updateUser } from "@/lib/users/manage-users";
import { updateUserInput } from "@/lib/users/user-input";

export const PATCH = consoleHandler<{ id: string }>(["admin"], async (req, { user, requestId, params }) => {
  const r = await updateUser(params.id, await parseBody(req, updateUserInput), { actorId: user.id, requestId });
  return json({ ok: true, ...r }, r.status === "pending" ? 202 : 200);
});

export const DELETE = consoleHandler<{ id: string }>(["admin"], async (_req, { user, requestId, params }) => {
  await deleteUser(params.id, { actorId: user.id, requestId });
  return json({ ok: true });
});
