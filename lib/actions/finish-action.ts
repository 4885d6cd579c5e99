import "server-only";
import type { Action, Exec } from "@/lib/db/types";
import { finishActionRow } from "@/lib/db/tables/vote";
import { isCanaryAction } from "@/lib/db/tables/canary-action";
import { appendAudit, type ActorType } from "@/lib/audit/append";
import { enqueueCallback, enqueueWebhookEvent } from "@/lib/webhooks/enqueue";
import { observeTimeToDecision } from "@/lib/metrics/record";
import { actionAuditFields } from "@/lib/actions/action-audit";

export type FinalState = "expired" | "cancelled" | "rejected" | "denied";

export type FinishInfo = {
  reason: string;
  rejectReason?: string;
  actorType: ActorType;
  actorId?: string | null;
  requestId?: string | null;
  approvalIds?: string[];
  breakGlassSessionId?: string | null;
  /** The states it may leave; default pending. An allowed or approved action leaves only while its token is unredeemed. */
  from?: readonly ("pending" | "allowed" | "approved")[];
};

/**
 * Move a pending action (or, for a cancel, an allowed or approved one whose
 * token is unredeemed) to a final state. The UPDATE only matches such a row,
 * so of any number of concurrent callers exactly one transitions it and writes
 * the audit event, the webhook and the callback; a redeem racing it finds the
 * token stopped (lib/db/tables/issued-token.ts).
 */
export async function finishAction(tx: Exec, action: Action, to: FinalState, info: FinishInfo): Promise<boolean> {
  const now = new Date();
  const changed = await finishActionRow(tx, { id: action.id, from: info.from ?? ["pending"], to, reason: info.reason, rejectReason: info.rejectReason ?? null, now });
  if (!changed) return false;
  observeTimeToDecision(to, action.createdAt);
  await appendAudit(tx, {
    type: `action.${to}`,
    actorType: info.actorType,
    actorId: info.actorId ?? null,
    requestId: info.requestId ?? null,
    ...actionAuditFields(action),
    approvalIds: info.approvalIds ?? null,
    breakGlassSessionId: info.breakGlassSessionId ?? null,
    status: to,
    reason: info.reason,
    data: {
      ...(info.rejectReason ? { reject_reason: info.rejectReason } : {}),
      ...(action.status !== "pending" && action.tokenJti ? { from: action.status, token_revoked: action.tokenJti } : {}),
    },
  });
  await notifyOutside(tx, action, to, { reason: info.reason, reject_reason: info.rejectReason ?? null });
  return true;
}

/**
 * Webhook to console subscribers and the agent's callback, inside the same
 * transaction. A callback never carries a token: it tells the agent to fetch
 * the action (GET /api/v1/actions/{id}), which within the approval's window
 * re-mints a token if the last one expired, so a late retry is never a dead end.
 */
export async function notifyOutside(tx: Exec, action: Action, status: string, extra: Record<string, unknown>): Promise<void> {
  // A canary (lib/canaries) never leaves Gatehouse.
  if (await isCanaryAction(tx, action.id)) return;
  const data = { action_id: action.id, tenant: action.tenantId, env: action.env, route: action.routeName, tool: action.tool, status, ...extra };
  if (status === "approved" || status === "rejected" || status === "expired") {
    await enqueueWebhookEvent(tx, `action.${status}`, data);
  }
  if (action.callbackUrl) {
    await enqueueCallback(tx, { actionId: action.id, credentialId: action.credentialId, callbackUrl: action.callbackUrl }, `action.${status}`, {
      action_id: action.id,
      status,
      reason: extra.reason ?? null,
      reject_reason: extra.reject_reason ?? null,
      ...(extra.approval_valid_until ? { approval_valid_until: extra.approval_valid_until } : {}),
    });
  }
}
