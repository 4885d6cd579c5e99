import "server-only";
import { AppError, ok, refusal, type Outcome } from "@/lib/errors";
import type { Action, Exec, Sql } from "@/lib/db/types";
import { appendAudit } from "@/lib/audit/append";
import { atCommit, sqlTransaction } from "@/lib/db/sql";
import { decide } from "@/lib/policy/decide";
import { mintActionToken } from "@/lib/tokens/mint";
import { parseCredentialRoutes } from "@/lib/agents/authenticate-agent";
import { loadDecisionInput } from "@/lib/actions/decision-context";
import { finishAction, notifyOutside } from "@/lib/actions/finish-action";
import { actionTokenInput, tokenColumns } from "@/lib/actions/action-token";
import { notifyActionChanged } from "@/lib/events/action-events";
import { isUniqueViolation } from "@/lib/db/errors";
import { findRunById } from "@/lib/db/tables/run";
import {
  approveActionRow,
  findActionEditor,
  findAgentCredentialById,
  findBreakGlassSession,
  findVoter,
  insertApproval,
  lockAndReadAction,
  markFastVote,
  setActionToken,
  setApprovalsRequired,
  votesOn,
} from "@/lib/db/tables/vote";
import { newId } from "@/lib/crypto/new-id";
import { observeTimeToDecision } from "@/lib/metrics/record";
import { actionAuditFields } from "@/lib/actions/action-audit";
import { approverConflict, independenceError, type ApprovalChannel } from "@/lib/users/two-person";
import { needsConsoleVotes, voteCountsFor } from "@/lib/actions/counting-votes";
import { approvalWindow } from "@/lib/actions/approval-window";
import { requiredGroupsRefusal } from "@/lib/reviewer-groups/vote-rule";
import type { Policy, ReasonCode } from "@/lib/policy/types";
import { findCanary, voteOnCanary } from "@/lib/canaries/canaries";
import { isGatewayAction, withheldReason } from "@/lib/mcp/gateway-actions";
import { findServableFacts } from "@/lib/db/tables/mcp";
import { FAST_DECISION_MS } from "@/lib/approvals/schemas";

export type VoteInput = {
  actionId: string;
  userId: string;
  vote: "approve" | "reject";
  comment?: string;
  /** Required for a rejection; goes back to the agent. */
  rejectReason?: string;
  /** An open break-glass session of this user: one approval is enough. */
  breakGlassSessionId?: string;
  timeOnCardMs?: number;
  requestId?: string;
  /** Where the vote was cast (default "console"); only a console vote counts where two people are needed. */
  channel?: ApprovalChannel;
};

export type VoteResult = {
  status: string;
  approvalsReceived: number;
  approvalsRequired: number;
  transitioned: boolean;
  /** Why an approval ended in "denied": the re-check's reason code (kill_switch, circuit_open, …). */
  reason?: string;
};

const refused = (code: "conflict" | "forbidden" | "not_found" | "validation_failed", reason: string, message: string) => refusal(new AppError(code, message, { reason }));

/**
 * One human's vote on one action, with every approval rule enforced here,
 * where the data is touched: reviewers only, never the `on_behalf_of` human,
 * one person counts once, destructive needs two distinct people (unless an
 * open break-glass session), one rejection rejects, expired is final, and
 * policy and kill switches are re-checked at decision time. Concurrent votes
 * yield exactly one transition and one token.
 */
export async function voteOnAction(input: VoteInput): Promise<VoteResult> {
  if (input.vote === "reject" && !input.rejectReason?.trim()) {
    throw new AppError("validation_failed", "A rejection needs a reason; it is sent back to the agent.", {
      issues: [{ path: "reason", message: "required" }],
    });
  }
  // A canary (lib/canaries) is decided apart: nothing can come of it, and it is counted.
  if (await findCanary(input.actionId)) return voteOnCanary(input);
  let outcome: Outcome<VoteResult>;
  try {
    // Raw SQL (the ORM was two thirds of a vote's CPU); atCommit: the vote's events (approval,
    // decision, token) go on the chain as one append, last.
    outcome = await sqlTransaction(atCommit((tx: Sql) => castVote(tx, input)));
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError("conflict", "You have already voted on this action; one person counts once.", { reason: "already_voted" });
    throw err;
  }
  if (!outcome.ok) throw outcome.error;
  if (outcome.value.transitioned) notifyActionChanged(input.actionId);
  return outcome.value;
}

async function castVote(tx: Sql, input: VoteInput): Promise<Outcome<VoteResult>> {
  const now = new Date();
  // Lock the action row first (a row lock on Postgres) so concurrent votes
  // count each other's approvals instead of each seeing only its own.
  const action = await lockAndReadAction(tx, input.actionId, now);
  if (!action) return refused("not_found", "not_found", "No such action.");
  if (action.status !== "pending") {
    return refused("conflict", action.status === "expired" ? "expired" : "already_decided", `This action is already ${action.status}.`);
  }
  const audit = auditBase(action, input);
  if (action.expiresAt && action.expiresAt <= now) {
    await finishAction(tx, action, "expired", { reason: "expired", actorType: "system", requestId: input.requestId });
    return refused("conflict", "expired", "This action expired before it was decided; it cannot be approved.");
  }
  // A run's seconds budget is wall-clock from its start, time spent pending included: no token outlives its run.
  const run = await findRunById(tx, action.runId);
  if (!run || run.status !== "active" || run.expiresAt <= now) {
    await finishAction(tx, action, "denied", { reason: "run_ended", actorType: "system", requestId: input.requestId });
    return refused("conflict", "run_ended", "The action's run has ended (its time budget, which counts time spent pending, is over); it cannot be approved.");
  }

  const user = await findVoter(tx, input.userId);
  const roles = new Set((user?.roles ?? "").split(",").filter(Boolean));
  const breakGlass = input.breakGlassSessionId ? await openBreakGlass(tx, input.breakGlassSessionId, input.userId, now) : false;
  if (input.breakGlassSessionId && !breakGlass) {
    await appendAudit(tx, { ...audit, type: "approval.refused", status: "refused", reason: "break_glass_not_open" });
    return refused("forbidden", "break_glass_not_open", "That break-glass session is not open for you.");
  }
  if (!user || user.disabled || !(roles.has("reviewer") || (breakGlass && roles.has("oncall")))) {
    await appendAudit(tx, { ...audit, type: "approval.refused", status: "refused", reason: "not_a_reviewer" });
    return refused("forbidden", "not_a_reviewer", "Only reviewers may vote on actions.");
  }
  if (action.onBehalfOf && action.onBehalfOf.trim().toLowerCase() === user.email.toLowerCase()) {
    await appendAudit(tx, { ...audit, type: "approval.refused", status: "refused", reason: "own_request" });
    return refused("forbidden", "own_request", "You cannot approve an action taken on your behalf.");
  }
  // Edit before approve: the reviewer who edited the args never counts for the edited call (not even under break-glass).
  const editedBy = await findActionEditor(tx, action.id);
  if (editedBy === user.id) {
    await appendAudit(tx, { ...audit, type: "approval.refused", status: "refused", reason: "editor_cannot_approve" });
    return refused("forbidden", "editor_cannot_approve", "You edited this action's arguments; someone else must approve the edited call.");
  }
  // Every vote so far, in one read (the row lock above keeps it current until COMMIT).
  const votes = await votesOn(tx, action.id);
  const mine = votes.find((v) => v.userId === user.id);
  if (mine) {
    const message = !voteCountsFor(action, mine.channel)
      ? "Your earlier vote was cast with an API token or from chat, which does not count now that this action needs console votes; two other reviewers must approve it in the console."
      : action.approvalsRequired > 1
        ? "The second approval must come from someone else."
        : "You have already voted on this action.";
    return refused("conflict", "already_voted", message);
  }
  // The approvals that count (lib/actions/counting-votes.ts): where console votes are needed, an earlier token or chat
  // vote is void — not counted, not an approver, and no tie for the independence check below.
  const earlier = votes.filter((v) => v.vote === "approve" && voteCountsFor(action, v.channel));
  const conflict = await approverConflict(tx, {
    approverId: user.id,
    onBehalfOf: action.onBehalfOf,
    // Under break-glass one approval is enough, so earlier votes do not bind it (it is loud instead).
    priorApproverIds: breakGlass ? [] : earlier.map((a) => a.userId),
    channel: input.channel ?? "console",
    needsTwo: needsConsoleVotes(action) && !breakGlass,
    now,
  });
  if (conflict) {
    await appendAudit(tx, { ...audit, type: "approval.refused", status: "refused", reason: conflict });
    return refusal(independenceError(conflict));
  }
  // Named groups (lib/reviewer-groups/vote-rule.ts): a destructive action's approvers may have to come from the route's required groups.
  const groupRule =
    input.vote === "approve" && !breakGlass
      ? await requiredGroupsRefusal(
          tx,
          action,
          user.id,
          earlier.map((a) => a.userId),
        )
      : null;
  if (groupRule) {
    await appendAudit(tx, { ...audit, type: "approval.refused", status: "refused", reason: "required_group" });
    return refused("forbidden", "required_group", groupRule);
  }

  const approval = { id: newId("apv"), userId: user.id, vote: input.vote, createdAt: now, channel: input.channel ?? "console" };
  await insertApproval(tx, {
    ...approval,
    actionId: action.id,
    comment: input.vote === "reject" ? input.rejectReason!.trim() : (input.comment ?? null),
    breakGlassSessionId: breakGlass ? input.breakGlassSessionId! : null,
    timeOnCardMs: input.timeOnCardMs ?? null,
    channel: approval.channel,
  });
  await markFastVote(tx, { actionId: action.id, userId: user.id, at: now, fastMs: FAST_DECISION_MS });
  await appendAudit(tx, {
    ...audit,
    type: "approval.recorded",
    actorId: user.id,
    approvalIds: [approval.id],
    status: input.vote,
    data: { time_on_card_ms: input.timeOnCardMs ?? null },
  });

  if (input.vote === "reject") {
    await finishAction(tx, action, "rejected", {
      ...audit,
      reason: "rejected",
      rejectReason: input.rejectReason!.trim(),
      approvalIds: [approval.id],
    });
    return ok({ status: "rejected", approvalsReceived: 0, approvalsRequired: action.approvalsRequired, transitioned: true });
  }

  const approvals = [...earlier, approval];
  const received = approvals.length;
  if (!breakGlass && received < action.approvalsRequired) {
    return ok({ status: "pending", approvalsReceived: received, approvalsRequired: action.approvalsRequired, transitioned: false });
  }

  // Enough votes: re-check policy, kill switches and the credential as they are now.
  const recheck = await recheckAtDecision(tx, action);
  const approvalIds = approvals.map((a) => a.id);
  if (recheck.outcome === "denied") {
    await finishAction(tx, action, "denied", { ...audit, reason: recheck.reason, approvalIds });
    return ok({ status: "denied", approvalsReceived: received, approvalsRequired: action.approvalsRequired, transitioned: true, reason: recheck.reason });
  }
  const required = Math.max(action.approvalsRequired, recheck.approvalsRequired);
  // Raised to two people (a narrowed route, a tool now destructive): a token or chat vote cast while one approval was
  // enough stops counting, here and on the card (lib/actions/counting-votes.ts).
  const counted = approvals.filter((a) => voteCountsFor({ approvalsRequired: required, toolKind: action.toolKind }, a.channel));
  const voided = approvals.filter((a) => !counted.includes(a));
  if (voided.length) {
    await appendAudit(tx, {
      ...audit,
      type: "approval.voided",
      actorType: "system",
      actorId: null,
      approvalIds: voided.map((a) => a.id),
      status: "voided",
      reason: "channel",
      data: { approvals_required: required, channels: voided.map((a) => a.channel) },
    });
  }
  if (!breakGlass && counted.length < required) {
    await setApprovalsRequired(tx, action.id, required, now);
    return ok({ status: "pending", approvalsReceived: counted.length, approvalsRequired: required, transitioned: false });
  }
  const countedIds = counted.map((a) => a.id);

  const changed = await approveActionRow(tx, {
    id: action.id,
    reason: breakGlass ? "break_glass_approved" : "approved",
    breakGlassSessionId: breakGlass ? input.breakGlassSessionId! : null,
    now,
  });
  if (!changed) return refused("conflict", "already_decided", "This action was decided by someone else a moment ago.");
  observeTimeToDecision("approved", action.createdAt);
  await appendAudit(tx, {
    ...audit,
    type: "action.approved",
    approvalIds: countedIds,
    status: "approved",
    reason: breakGlass ? "break_glass_approved" : "approved",
    breakGlassSessionId: breakGlass ? input.breakGlassSessionId! : null,
  });
  const window = approvalWindow(recheck.policy, now, breakGlass);
  await mintActionToken(
    tx,
    actionTokenInput(action, {
      approverIds: counted.map((a) => a.userId),
      breakGlassSessionId: breakGlass ? input.breakGlassSessionId! : null,
      ttlSeconds: window.ttlSeconds,
      argsEdited: editedBy !== null,
    }),
    { requestId: input.requestId ?? null, actorType: "user", actorId: user.id, breakGlassSessionId: breakGlass ? input.breakGlassSessionId! : null },
    async (minted) => {
      await setActionToken(tx, action.id, { ...tokenColumns(action.id, minted), approvalValidUntil: window.validUntil ?? null, now });
    },
  );
  await notifyOutside(tx, action, "approved", { reason: "approved", approvals: counted.length, approval_valid_until: window.validUntil?.toISOString() ?? null });
  return ok({ status: "approved", approvalsReceived: counted.length, approvalsRequired: required, transitioned: true });
}

function auditBase(action: Action, input: VoteInput) {
  return {
    type: "approval",
    actorType: "user" as const,
    actorId: input.userId,
    requestId: input.requestId ?? null,
    ...actionAuditFields(action),
    breakGlassSessionId: input.breakGlassSessionId ?? null,
  };
}

async function openBreakGlass(tx: Exec, sessionId: string, userId: string, now: Date): Promise<boolean> {
  const s = await findBreakGlassSession(tx, sessionId);
  return !!s && s.userId === userId && !s.endedAt && s.expiresAt > now;
}

/** Why the re-check at approval time denied an action: decide()'s reason, or one of the re-check's own. */
export type DeniedAtDecision = ReasonCode | "credential_revoked" | "tool_withheld";

/**
 * Steps 2–5 and 9 again, against the current policy, catalog, kill switches,
 * breaker and credential: at approval time, and before a re-mint
 * (lib/actions/remint-action-token.ts).
 */
export async function recheckAtDecision(
  tx: Exec,
  action: Action,
): Promise<{ outcome: "denied"; reason: DeniedAtDecision } | { outcome: "ok"; approvalsRequired: number; policy: Policy }> {
  const cred = await findAgentCredentialById(tx, action.credentialId);
  if (!cred || cred.revokedAt) return { outcome: "denied", reason: "credential_revoked" };
  const { input, route } = await loadDecisionInput(tx, {
    credentialRoutes: parseCredentialRoutes(cred.routes),
    tenantId: action.tenantId,
    env: action.env,
    routeName: action.routeName,
    toolName: action.tool,
  });
  const decision = decide(input);
  if (decision.outcome === "denied") return { outcome: "denied", reason: decision.reason };
  if (decision.outcome === "invalid") return { outcome: "denied", reason: "invalid_args" };
  // A gateway call Gatehouse would not run now (its upstream disabled, the tool changed upstream since its pin, no
  // credential for this tenant/env): the approval is the execution, so an approval now is a denial, not an approved
  // call that never runs.
  if (isGatewayAction(action) && withheldReason(await findServableFacts(tx, action.tool, action))) return { outcome: "denied", reason: "tool_withheld" };
  // A tool whose kind got stricter keeps at least the approvals it started with.
  if (!route) return { outcome: "denied", reason: "unknown_route" };
  return { outcome: "ok", approvalsRequired: decision.outcome === "pending" ? decision.approvalsRequired : 0, policy: route.policy };
}
