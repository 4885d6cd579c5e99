import "server-only";
import type { ActionView, ActionStatus } from "@/lib/api/schemas";
import type { Action } from "@/lib/db/types";
import { unseal } from "@/lib/crypto/seal";

export const FINAL_STATUSES: ReadonlySet<string> = new Set(["allowed", "approved", "rejected", "expired", "cancelled", "denied"]);

export const tokenSealContext = (actionId: string) => `action-token:${actionId}`;

const messages: Record<string, string> = {
  read_allowed: "Allowed: read tool.",
  auto_approved: "Allowed: this route auto-approves this write.",
  approval_required: "Waiting for human approval.",
};

/**
 * The agent's view of an action. The token goes only to the credential that
 * proposed the action, only while it is unredeemed and unexpired.
 */
export function toActionView(
  a: Action,
  opts: { viewerCredentialId: string; approvalsReceived: number; now?: Date; /** the token in the clear when the caller has just signed it (no unsealing) */ token?: string },
): ActionView {
  const now = opts.now ?? new Date();
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
  if (a.credentialId === opts.viewerCredentialId && a.tokenSealed && !a.redeemedAt && a.tokenExpiresAt && a.tokenExpiresAt > now) {
    view.token = opts.token ?? unseal(a.tokenSealed, tokenSealContext(a.id));
    view.token_expires_at = a.tokenExpiresAt.toISOString();
  }
  return view;
}
