// GET /api/console/actions/{id}/edit — the agent's proposal and a reviewer's edit, redacted; POST {args} — edit a pending action's args before approving (reviewer)
import { z } from "zod";
import { scopedConsoleHandler } from "@/lib/http/console-guard";
import { assertActionInScope } from "@/lib/approvals/action-scope";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { editActionArgs, getActionEdit } from "@/lib/actions/edit-action-args";

const body = z.strictObject({ args: z.record(z.string(), z.unknown()) });

export const GET = scopedConsoleHandler<{ id: string }>(["reviewer", "admin"], async (_req, { params, user }) => {
  await assertActionInScope(user, params.id);
  return json(await getActionEdit(params.id));
});
export const POST = scopedConsoleHandler<{ id: string }>(["reviewer"], async (req, { params, user, requestId }) => {
  await assertActionInScope(user, params.id);
  const b = await parseBody(req, body, { invalid: "The edited arguments are invalid." });
  return json(await editActionArgs({ actionId: params.id, userId: user.id, args: b.args, requestId }));
});
