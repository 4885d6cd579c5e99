import "server-only";
import type { ActionView, ActionStatus } from "@/lib/api/schemas";
import type { Action } from "@/lib/db/types";
import { unseal } from "@/lib/crypto/seal";
import { unused, windowEnd } from "@/lib/actions/approval-window";

export const FINAL_STATUSES: ReadonlySet<string> = new Set(["allowed", "approved", "rejected", "expired", "cancelled", "denied"]);

export const tokenSealContext = (actionId: string) => `action-token:${actionId}`;

const messages: Record<string, string> = {
  read_allowed: "Allowed: read tool.",
  auto_approved: "Allowed: this route auto-approves this write.",
  approval_required: "Waiting for human approval.",
};

/**
 * The agent's view of an action. The token goes only to the credential that
 * proposed the action, only while it is unredeemed and unexpired. An allowed
 * or approved action that was never used shows its validity window's end as
 * `expires_at`; past it, it is `expired` with reason `approval_expired`.
 */
export function toActionView(
  a: Action,
  opts: {
    viewerCredentialId: string;
    approvalsReceived: number;
    now?: Date;
    /** the token in the clear when the caller has just signed it (no unsealing) */
    token?: string;
    /** why a fresh token could not be issued just now (a control in force) */
    remintRefused?: string;
  },
): ActionView {
  const now = opts.now ?? new Date();
  const tokenLive = a.tokenSealed !== null && !a.redeemedAt && a.tokenExpiresAt !== null && a.tokenExpiresAt > now;
  const end = unused(a) ? windowEnd(a) : null;
  const view: ActionView = {
    action_id: a.id,
    run_id: a.runId,
    status: a.status as ActionStatus,
    reason_code: a.decisionReason,
    message: a.status === "rejected" ? `Rejected by a reviewer: ${a.rejectReason ?? ""}` : messages[a.decisionReason],
    tool: a.tool,
    route: a.routeName,
    args_hash: a.argsHash,
    idempotency_key: a.idempotencyKey,
    approvals: { required: a.approvalsRequired, received: opts.approvalsReceived },
    expires_at: a.expiresAt?.toISOString() ?? null,
    decided_at: a.decidedAt?.toISOString() ?? null,
    reject_reason: a.rejectReason,
    redeemed: a.redeemedAt !== null,
    result: a.resultStatus ? { status: a.resultStatus, duration_ms: a.resultDurationMs } : null,
  };
  if (end) {
    view.expires_at = end.toISOString();
    if (!tokenLive && end <= now) {
      view.status = "expired";
      view.reason_code = "approval_expired";
      view.message = `${a.status === "approved" ? "Approved" : "Allowed"}, but not used before its validity window ended at ${end.toISOString()}; propose again with a new idempotency key.`;
    } else if (!tokenLive && opts.remintRefused) {
      view.reason_code = opts.remintRefused;
      view.message = `No fresh token can be issued now (${opts.remintRefused}); the approval stays valid until ${end.toISOString()}.`;
    }
  }
  if (a.credentialId === opts.viewerCredentialId && tokenLive && a.tokenSealed && a.tokenExpiresAt) {
    view.token = opts.token ?? unseal(a.tokenSealed, tokenSealContext(a.id));
    view.token_expires_at = a.tokenExpiresAt.toISOString();
  }
  return view;
}
