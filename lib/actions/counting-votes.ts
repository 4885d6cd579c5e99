/**
 * Which votes count toward an action, in one place for the vote itself
 * (lib/actions/vote-on-action.ts), the card, the queue and the agent's view.
 * Pure: no I/O, so the SQL tables can import it without a cycle.
 */

/** True when a vote or approval cast on `channel` may count toward a two-person rule: only a console session's. */
export function channelCounts(channel: string): boolean {
  return channel === "console";
}

/**
 * True when an action takes console votes only: it needs more than one
 * approval, or its tool is destructive. A vote on another channel
 * ("api_token", "chat") never counts there — not even one cast while the
 * action still needed a single approval, before the re-check at vote time
 * raised the requirement.
 */
export function needsConsoleVotes(action: { approvalsRequired: number; toolKind: string }): boolean {
  return action.approvalsRequired > 1 || action.toolKind === "destructive";
}

/** True when an approval cast on `channel` counts toward `action` as it stands now. */
export function voteCountsFor(action: { approvalsRequired: number; toolKind: string }, channel: string): boolean {
  return !needsConsoleVotes(action) || channelCounts(channel);
}

/** The same rule in SQL, over an "Action" aliased `a` and an "Approval" aliased `p`: the approve votes that count. */
export const COUNTED_APPROVAL_SQL = `p."vote" = 'approve' AND ((a."approvalsRequired" <= 1 AND a."toolKind" <> 'destructive') OR p."channel" = 'console')`;
