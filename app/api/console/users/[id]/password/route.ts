// POST /api/console/users/{id}/password — set a new password (argon2id); 202 pending a second admin for another admin, reviewer or on-call (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { resetPassword } from "@/lib/users/manage-users";
import { resetPasswordInput } from "@/lib/users/user-input";

export const POST = consoleHandler<{ id: string }>(["admin"], async (req, { user, requestId, params }) => {
  const b = await parseBody(req, resetPasswordInput);
  const r = await resetPassword(params.id, b.password, { actorId: user.id, requestId });
  return json({ ok: true, ...r }, r.status === "pending" ? 202 : 200);
});
