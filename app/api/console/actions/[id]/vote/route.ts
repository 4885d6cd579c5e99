// POST /api/console/actions/{id}/vote — a reviewer approves or rejects (step-up for destructive approvals)
import { scopedConsoleHandler } from "@/lib/http/console-guard";
import { assertActionInScope } from "@/lib/approvals/action-scope";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { voteBody } from "@/lib/approvals/schemas";
import { castConsoleVote } from "@/lib/approvals/cast-console-vote";

export const POST = scopedConsoleHandler<{ id: string }>(["reviewer"], async (req, { params, user, requestId }) => {
  await assertActionInScope(user, params.id);
  const b = await parseBody(req, voteBody, { invalid: "The vote is invalid." });
  const result = await castConsoleVote({
    actionId: params.id,
    userId: user.id,
    vote: b.vote,
    comment: b.comment?.trim() || undefined,
    rejectReason: b.reason,
    password: b.password,
    timeOnCardMs: b.time_on_card_ms,
    requestId,
  });
  return json(result);
});
