import "server-only";
import { sqlRead } from "@/lib/db/sql";
import { actionVoteGate } from "@/lib/db/tables/vote";
import { AppError } from "@/lib/errors";
import { voteOnAction, type VoteResult } from "@/lib/actions/vote-on-action";
import { assertActionInScope } from "@/lib/approvals/action-scope";
import type { TokenUser } from "@/lib/auth/api-tokens";

/**
 * A vote cast with a human API token (`actions:vote`). Only on an action in the
 * token's scopes (token ∩ owner now; outside them the same 404 as a missing
 * action), and only on a single-approval, non-destructive one: a destructive
 * vote needs step-up (password or SSO re-auth) and a two-person action needs
 * people in the console. The vote reaches voteOnAction as channel "api_token",
 * which never counts toward a two-person rule, and is audited as the owner's.
 */
export async function castTokenVote(input: {
  actionId: string;
  user: TokenUser;
  vote: "approve" | "reject";
  comment?: string;
  rejectReason?: string;
  requestId?: string;
}): Promise<VoteResult> {
  await assertActionInScope(input.user, input.actionId);
  // scope-guard: assertActionInScope passed just above
  const a = await sqlRead((sql) => actionVoteGate(sql, input.actionId));
  if (!a) throw new AppError("not_found", "No such action.");
  if (a.toolKind === "destructive" || a.approvalsRequired !== 1) {
    throw new AppError("forbidden", "An API token votes only on single-approval, non-destructive actions; decide this one in the console.", { reason: "token_not_allowed" });
  }
  return voteOnAction({
    actionId: input.actionId,
    userId: input.user.id,
    vote: input.vote,
    comment: input.comment,
    rejectReason: input.rejectReason,
    channel: "api_token",
    requestId: input.requestId,
  });
}
