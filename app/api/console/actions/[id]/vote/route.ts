// POST /api/console/actions/{id}/vote — a reviewer approves or rejects (step-up for destructive approvals)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { readJson } from "@/lib/http/read-json";
import { AppError, zodIssues } from "@/lib/errors";
import { voteBody } from "@/lib/approvals/schemas";
import { castConsoleVote } from "@/lib/approvals/cast-console-vote";

export const POST = consoleHandler<{ id: string }>(["reviewer"], async (req, { params, user, requestId }) => {
  const parsed = voteBody.safeParse(await readJson(req));
  if (!parsed.success) throw new AppError("validation_failed", "The vote is invalid.", { issues: zodIssues(parsed.error.issues) });
  const b = parsed.data;
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
