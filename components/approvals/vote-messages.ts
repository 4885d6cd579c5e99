import type { VoteResponse } from "@/components/approvals/approval-api";
import { deniedBecause } from "@/lib/actions/denied-because";

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
  run_ended: "The action's run has ended; it can no longer be approved.",
};

/** The message to show for a refused console request. */
export function refusalMessage(reason: string | undefined, serverMessage: string): string {
  return (reason && VOTE_REFUSALS[reason]) || serverMessage;
}

/**
 * The toast for a vote the server answered: what the server said happened, never what was asked. An MCP gateway
 * call (`gateway` set) has no agent that fetches a token: Gatehouse runs it itself on approval.
 */
export function voteOutcome(vote: "approve" | "reject", r: VoteResponse, gateway: { upstream: string } | null): { tone: "ok" | "error"; text: string } {
  if (r.status === "rejected")
    return { tone: "ok", text: gateway ? "Rejected — the model is told your reason; nothing is sent upstream." : "Rejected — the agent receives your reason." };
  if (r.status === "approved")
    return { tone: "ok", text: gateway ? `Approved — Gatehouse is running the call on the MCP upstream ${gateway.upstream}.` : "Approved — the agent can now get its token." };
  if (r.status === "denied") {
    const why = deniedBecause(r.reason);
    return { tone: "error", text: `Not approved: the action was denied when your approval was checked — ${why}.` };
  }
  if (r.status === "pending" && vote === "approve") {
    const left = r.approvalsRequired - r.approvalsReceived;
    return {
      tone: "ok",
      text: `Approval recorded (${r.approvalsReceived} of ${r.approvalsRequired}); ${left === 1 ? "one more reviewer must" : `${left} more reviewers must`} approve.`,
    };
  }
  return { tone: "error", text: `The server answered: ${r.status}.` };
}
