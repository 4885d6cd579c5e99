import "server-only";
import { db } from "@/lib/db/client";
import { AppError, ok, refusal, type Outcome } from "@/lib/errors";
import type { ActionView } from "@/lib/api/schemas";
import { appendAudit } from "@/lib/audit/append";
import { decide } from "@/lib/policy/decide";
import { argsHash } from "@gatehouse-dev/sdk";
import { seal, unseal } from "@/lib/crypto/seal";
import { redact } from "@/lib/redact/redact";
import { renderSummary } from "@/lib/catalog/render-summary";
import { argsValidator } from "@/lib/catalog/validate-args";
import { lockActionRow } from "@/lib/db/tables/action";
import { parseCredentialRoutes } from "@/lib/agents/authenticate-agent";
import { loadDecisionInput } from "@/lib/actions/decision-context";
import { actionAuditFields } from "@/lib/actions/action-audit";
import { notifyActionChanged } from "@/lib/events/action-events";

/**
 * Edit before approve: a reviewer changes a pending action's arguments within
 * the tool's schema (fix the e-mail body, lower the refund). The edited call
 * is decided again from scratch — route access, kill switches, breaker,
 * policy and argument conditions, the args schema, the run still live — and
 * refused (nothing changes) if that denies it. Earlier votes are void. The
 * action needs at least the approvals the original needed, even when the
 * edited call would need fewer, and the editor's own vote never counts for it
 * (voteOnAction). The audit log records both argument hashes and the editor;
 * the agent's fetch returns the final args with `args_edited: true`, and the
 * token an approval mints is bound to the edited args.
 */

const sealContext = (actionId: string) => `action-edited-args:${actionId}`;

export type EditResult = { action_id: string; args_hash: string; original_args_hash: string; approvals_required: number; voided_votes: number };

export async function editActionArgs(input: { actionId: string; userId: string; args: unknown; requestId?: string | null }): Promise<EditResult> {
  if (!input.args || typeof input.args !== "object" || Array.isArray(input.args)) {
    throw new AppError("validation_failed", "The edited arguments must be a JSON object.", { issues: [{ path: "args", message: "an object" }] });
  }
  const args = input.args as Record<string, unknown>;
  // The card shows redacted args; sending a mask back would silently put "[REDACTED]" into the real call.
  if (JSON.stringify(args).includes("[REDACTED]")) {
    throw new AppError("validation_failed", "The edited arguments still contain [REDACTED]: type the real value (or leave the field out).", {
      issues: [{ path: "args", message: "contains [REDACTED]" }],
    });
  }
  const outcome: Outcome<EditResult> = await db().$transaction(async (tx) => {
    const now = new Date();
    await lockActionRow(tx, input.actionId, now);
    const action = await tx.action.findUnique({ where: { id: input.actionId } });
    if (!action) return refusal(new AppError("not_found", "No such action."));
    if (action.status !== "pending" || (action.expiresAt && action.expiresAt <= now)) {
      return refusal(new AppError("conflict", `This action is ${action.status}; only a pending action can be edited.`, { reason: "not_pending" }));
    }
    const user = await tx.user.findUnique({ where: { id: input.userId } });
    if (!user || user.disabled || !user.roles.split(",").includes("reviewer"))
      return refusal(new AppError("forbidden", "Only reviewers may edit an action.", { reason: "not_a_reviewer" }));
    if (action.onBehalfOf && action.onBehalfOf.trim().toLowerCase() === user.email.toLowerCase()) {
      return refusal(new AppError("forbidden", "You cannot edit an action taken on your behalf.", { reason: "own_request" }));
    }
    if (await tx.actionEdit.findUnique({ where: { actionId: action.id } })) {
      return refusal(new AppError("conflict", "This action's arguments were already edited once; reject it and let the agent propose again.", { reason: "already_edited" }));
    }
    const run = await tx.run.findUnique({ where: { id: action.runId } });
    if (!run || run.status !== "active" || run.expiresAt <= now) return refusal(new AppError("conflict", "The action's run has ended.", { reason: "run_ended" }));
    const cred = await tx.agentCredential.findUnique({ where: { id: action.credentialId } });
    if (!cred || cred.revokedAt) return refusal(new AppError("conflict", "The agent's credential was revoked.", { reason: "credential_revoked" }));

    // Decided again from scratch, with the edited args.
    const { input: d, tool } = await loadDecisionInput(tx, {
      credentialRoutes: parseCredentialRoutes(cred.routes),
      tenantId: action.tenantId,
      env: action.env,
      routeName: action.routeName,
      toolName: action.tool,
    });
    d.validateArgs = (t) => argsValidator(t)(args);
    d.args = args;
    const decision = decide(d);
    if (decision.outcome === "invalid") return refusal(new AppError("validation_failed", decision.message, { issues: decision.issues, reason: "invalid_args" }));
    if (decision.outcome === "denied") return refusal(new AppError("denied", `The edited call is refused: ${decision.message}`, { reason: decision.reason }));
    if (!tool) return refusal(new AppError("conflict", "The tool is no longer in the catalog.", { reason: "unknown_tool" }));

    const hash = argsHash(args);
    if (hash === action.argsHash) return refusal(new AppError("conflict", "The edited arguments are the same as the agent's.", { reason: "unchanged" }));
    // Never fewer approvals than the original needed; the editor does not count, so at least one other person.
    const approvalsRequired = Math.max(action.approvalsRequired, decision.outcome === "pending" ? decision.approvalsRequired : 0, 1);
    const voided = await tx.approval.findMany({ where: { actionId: action.id }, select: { id: true, userId: true } });
    await tx.approval.deleteMany({ where: { actionId: action.id } });
    const display = redact(args) as Record<string, unknown>;
    await tx.actionEdit.create({
      data: {
        actionId: action.id,
        originalArgsHash: action.argsHash,
        originalArgsDisplay: action.argsDisplay,
        editedArgsSealed: seal(JSON.stringify(args), sealContext(action.id)),
        editedById: user.id,
      },
    });
    await tx.action.update({
      where: { id: action.id },
      data: { argsHash: hash, argsDisplay: JSON.stringify(display), summary: renderSummary(tool.summaryTemplate, display), approvalsRequired },
    });
    await appendAudit(tx, {
      type: "action.args_edited",
      actorType: "user",
      actorId: user.id,
      requestId: input.requestId ?? null,
      ...actionAuditFields({ ...action, argsHash: hash }),
      status: "pending",
      reason: decision.outcome === "pending" ? "approval_required" : decision.reason,
      data: {
        original_args_hash: action.argsHash,
        edited_args_hash: hash,
        editor_id: user.id,
        approvals_required: approvalsRequired,
        voided_votes: voided.map((v) => ({ id: v.id, user_id: v.userId })),
        decided_again: decision.outcome === "pending" ? `pending(${decision.approvalsRequired})` : decision.outcome,
      },
    });
    return ok({ action_id: action.id, args_hash: hash, original_args_hash: action.argsHash, approvals_required: approvalsRequired, voided_votes: voided.length });
  });
  if (!outcome.ok) throw outcome.error;
  notifyActionChanged(input.actionId);
  return outcome.value;
}

/** What the card shows: the agent's proposal and the edit, both redacted, and who edited. */
export async function getActionEdit(
  actionId: string,
): Promise<{ edited: false } | { edited: true; original: unknown; final: unknown; editor: string; editedAt: string; originalArgsHash: string }> {
  const e = await db().actionEdit.findUnique({ where: { actionId } });
  if (!e) return { edited: false };
  // scope-guard: the edit route ran assertActionInScope first (lib/approvals/action-scope.ts)
  const [a, u] = await Promise.all([db().action.findUnique({ where: { id: actionId } }), db().user.findUnique({ where: { id: e.editedById }, select: { email: true } })]);
  return {
    edited: true,
    original: JSON.parse(e.originalArgsDisplay),
    final: JSON.parse(a?.argsDisplay ?? "{}"),
    editor: u?.email ?? e.editedById,
    editedAt: e.editedAt.toISOString(),
    originalArgsHash: e.originalArgsHash,
  };
}

/**
 * The agent's view with the edit: `args_edited: true`, and the final args for the credential that proposed it. The
 * sealed edit is read with the action (lib/db/tables/action.ts, loadActionWithApprovals), in the same statement.
 */
export function withEditSealed(view: ActionView, proposedByViewer: boolean, editedArgsSealed: string | null): ActionView {
  if (editedArgsSealed === null) return view;
  return { ...view, args_edited: true, ...(proposedByViewer ? { args: JSON.parse(unseal(editedArgsSealed, sealContext(view.action_id))) as Record<string, unknown> } : {}) };
}
