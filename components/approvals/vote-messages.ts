/** What a reviewer reads when the server refuses a vote, by the server's `reason` code. */
export const VOTE_REFUSALS: Record<string, string> = {
  already_decided: "Someone already decided this action; your vote was not needed.",
  expired: "This action expired before it was decided. Expired actions can never be approved.",
  own_request: "You cannot approve an action taken on your behalf; another reviewer must decide it.",
  already_voted: "You already voted on this action. A second approval must come from someone else.",
  not_a_reviewer: "Only reviewers may vote on actions.",
  step_up_required: "Approving a destructive action needs your password again.",
  already_extended: "This action's time was already extended once.",
  rate_limited: "Too many attempts; wait a minute and try again.",
  break_glass_not_open: "That break-glass session is not open.",
};

/** The message to show for a refused console request. */
export function refusalMessage(reason: string | undefined, serverMessage: string): string {
  return (reason && VOTE_REFUSALS[reason]) || serverMessage;
}
