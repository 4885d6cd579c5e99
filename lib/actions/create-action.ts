import "server-only";
import type { Action, Exec } from "@/lib/db/types";
import { insertAction } from "@/lib/db/tables/action";
import type { ToolEntry } from "@/lib/policy/types";
import { appendAudit, type ActorType, type AuditInput } from "@/lib/audit/append";
import { renderSummary } from "@/lib/catalog/render-summary";
import { redact, redactPersonalIn, redactSecretsDeep, redactText } from "@/lib/redact/redact";
import { newId } from "@/lib/crypto/new-id";
import { mintActionToken, type MintedToken } from "@/lib/tokens/mint";
import { actionAuditFields } from "@/lib/actions/action-audit";
import { actionTokenInput, tokenColumns } from "@/lib/actions/action-token";
import type { LoadedRoute } from "@/lib/actions/decision-context";
import { approvalWindow } from "@/lib/actions/approval-window";
import { sealCopy } from "@/lib/approvals/card-copy";

/** A decided tool call, before it has a row. */
export type NewAction = {
  run: { id: string; credentialId: string; tenantId: string; env: string };
  route: LoadedRoute;
  tool: ToolEntry;
  /** The args as proposed; stored redacted, only their hash is signed. Reason and preview are stored redacted too. */
  args: Record<string, unknown>;
  argsHash: string;
  idempotencyKey: string;
  reason: string | null;
  preview?: unknown;
  callbackUrl?: string | null;
  onBehalfOf?: string | null;
  costMicros?: number;
  /** `allowed` and `approved` get their action token in the same write; `pending` waits for votes. */
  status: "allowed" | "approved" | "pending";
  decisionReason: string;
  approvalsRequired?: number;
  expiresAt?: Date | null;
  /** Whose approval the token carries (break-glass: the on-call). */
  approverIds?: string[];
  breakGlassSessionId?: string | null;
  /**
   * An allowed call that Gatehouse runs itself (the MCP gateway): no token is
   * minted, since nobody outside would hold or verify it; the action is written
   * as already redeemed (its one execution is taken), so no token can ever be
   * minted for it later, and the decision's event says who executes it.
   */
  executedBy?: "mcp-gateway";
  now: Date;
};

/** Who decided, and the detail of the `action.decided` event. */
export type DecidedBy = { actorType: ActorType; actorId: string; requestId?: string | null; data: Record<string, unknown> };

/**
 * The one way an Action comes to exist: its row and its `action.decided`
 * audit event, in the caller's transaction. An allowed or approved action is
 * written with its token (signed first, so the row is written once, token and
 * all) and the token's IssuedToken row and `token.minted` event follow the
 * decision in the same append. A pending action has no token until a vote.
 */
export async function createAction<S extends NewAction["status"]>(
  tx: Exec,
  a: NewAction & { status: S },
  by: DecidedBy,
): Promise<{ action: Action; token: S extends "pending" ? null : MintedToken }> {
  type Token = S extends "pending" ? null : MintedToken;
  const id = newId("act");
  const decided = (action: Action): AuditInput => ({
    type: "action.decided",
    actorType: by.actorType,
    actorId: by.actorId,
    requestId: by.requestId,
    ...actionAuditFields(action),
    breakGlassSessionId: action.breakGlassSessionId,
    status: action.status,
    reason: action.decisionReason,
    data: by.data,
  });
  if (a.status === "pending") {
    const action = actionRow(id, a);
    await insertAction(tx, action);
    await appendAudit(tx, decided(action));
    return { action, token: null as Token };
  }
  if (a.executedBy) {
    if (a.status !== "allowed") throw new Error("only an allowed call is executed without a token");
    const action: Action = { ...actionRow(id, a), redeemedAt: a.now };
    await insertAction(tx, action);
    await appendAudit(tx, { ...decided(action), data: { ...by.data, executed_by: a.executedBy } });
    return { action, token: null as Token };
  }
  const window = approvalWindow(a.route.policy, a.now, a.breakGlassSessionId != null);
  let action: Action = { ...actionRow(id, a), approvalValidUntil: window.validUntil };
  const token = await mintActionToken(
    tx,
    actionTokenInput(action, { approverIds: a.approverIds ?? [], breakGlassSessionId: action.breakGlassSessionId, ttlSeconds: window.ttlSeconds }),
    { requestId: by.requestId ?? null, actorType: by.actorType, actorId: by.actorId, breakGlassSessionId: action.breakGlassSessionId },
    async (minted) => {
      action = { ...action, ...tokenColumns(id, minted) };
      await insertAction(tx, action);
      return [decided(action)];
    },
  );
  return { action, token: token as Token };
}

/** The row without a token; an allowed or approved action gets its token columns before it is written. */
function actionRow(id: string, a: NewAction): Action {
  const pending = a.status === "pending";
  // A pending action gets both copies from one secret pass: the card's (sealed) and the audit copy.
  const cardCopy = pending ? redactSecretsDeep(a.args) : null;
  const displayArgs = (cardCopy ? redactPersonalIn(cardCopy) : redact(a.args)) as Record<string, unknown>;
  return {
    id,
    runId: a.run.id,
    credentialId: a.run.credentialId,
    tenantId: a.run.tenantId,
    env: a.run.env,
    routeId: a.route.id,
    routeName: a.route.name,
    policyVersion: a.route.version,
    tool: a.tool.name,
    toolKind: a.tool.kind,
    argsHash: a.argsHash,
    argsDisplay: JSON.stringify(displayArgs),
    summary: renderSummary(a.tool.summaryTemplate, displayArgs),
    idempotencyKey: a.idempotencyKey,
    reason: a.reason === null ? null : redactText(a.reason),
    previewDisplay: a.preview ? JSON.stringify(redact(a.preview)) : null,
    callbackUrl: a.callbackUrl ?? null,
    onBehalfOf: a.onBehalfOf ?? null,
    costMicros: a.costMicros ?? 0,
    status: a.status,
    decisionReason: a.decisionReason,
    approvalsRequired: a.approvalsRequired ?? 0,
    expiresAt: a.expiresAt ?? null,
    decidedAt: pending ? null : a.now,
    rejectReason: null,
    tokenJti: null,
    tokenExpiresAt: null,
    approvalValidUntil: null,
    tokenSealed: null,
    redeemedAt: null,
    resultStatus: null,
    resultDurationMs: null,
    resultError: null,
    resultAt: null,
    breakGlassSessionId: a.breakGlassSessionId ?? null,
    escalatedAt: null,
    ttlExtendedAt: null,
    // Only an action a human reviews gets the card's sealed copy (personal data kept); the others have the audit copy alone.
    argsCardSealed: cardCopy ? sealCopy(id, cardCopy) : null,
    cardReducedAt: pending ? null : a.now,
    // The tool service's preview is asked in the background, after this transaction (lib/previews).
    previewStatus: pending && a.tool.preview ? "pending" : null,
    previewResult: null,
    previewAt: null,
    previewClaimedUntil: null,
    createdAt: a.now,
    updatedAt: a.now,
    fastVote: false,
  };
}
