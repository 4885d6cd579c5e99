import { sqlTransaction } from "@/lib/db/sql";
import type { Sql } from "@/lib/db/types";
import { AppError } from "@/lib/errors";
import type { ProposeActionInput, ActionView } from "@/lib/api/schemas";
import type { AgentPrincipal } from "@/lib/agents/authenticate-agent";
import { credentialScope } from "@/lib/agents/authenticate-agent";
import { decide, type Decision } from "@/lib/policy/decide";
import { argsValidator } from "@/lib/catalog/validate-args";
import { renderSummary } from "@/lib/catalog/render-summary";
import { redact } from "@/lib/redact/redact";
import { argsHash as hashArgs } from "@/lib/sdk/args-hash";
import { appendAudit, type AuditInput } from "@/lib/audit/append";
import { seal } from "@/lib/crypto/seal";
import { newId } from "@/lib/crypto/new-id";
import { recordActionToken, signActionToken } from "@/lib/tokens/mint";
import { enqueueWebhookEvent } from "@/lib/webhooks/enqueue";
import { checkCallbackUrl } from "@/lib/webhooks/callback-url";
import { loadRoute, loadTool, killSwitchState } from "@/lib/actions/decision-context";
import { recordBreakerFailure } from "@/lib/actions/circuit-breaker";
import { toActionView, tokenSealContext } from "@/lib/actions/action-view";
import { findActionByIdempotencyKey, insertAction } from "@/lib/db/tables/action";
import { findRunById, takeRunStep } from "@/lib/db/tables/run";
import type { Action } from "@/lib/db/types";
import { isUniqueViolation } from "@/lib/db/errors";
import { countDecision } from "@/lib/metrics/record";

export type ProposeResult = { httpStatus: 200 | 202; view: ActionView; replay: boolean };

const USD_MICROS = 1_000_000;

/**
 * Steps 2–9 of the decision for one proposed tool call. The decision itself
 * is the pure `decide`; this function loads its inputs, applies idempotency
 * and the atomic budget decrement, and commits the state change with its
 * audit events in one transaction. Denials are audited too, then thrown.
 */
export async function proposeAction(agent: AgentPrincipal, input: ProposeActionInput, ctx: { requestId: string }): Promise<ProposeResult> {
  if (input.callback_url !== undefined) {
    const check = checkCallbackUrl(input.callback_url, agent.callbackAllowlist);
    if (!check.ok) {
      throw new AppError("validation_failed", "callback_url is not allowed.", { issues: [{ path: "callback_url", message: check.message }] });
    }
  }
  const hash = hashArgs(input.args);
  try {
    return await attempt(agent, input, hash, ctx);
  } catch (err) {
    // Two concurrent first proposals with one key: the loser's insert hits the
    // unique index and rolls back (budget included); the retry finds the winner.
    if (isUniqueViolation(err)) return attempt(agent, input, hash, ctx);
    throw err;
  }
}

type Outcome = { kind: "ok"; result: ProposeResult } | { kind: "refused"; error: AppError };

async function attempt(agent: AgentPrincipal, input: ProposeActionInput, hash: string, ctx: { requestId: string }): Promise<ProposeResult> {
  const outcome = await sqlTransaction(async (tx): Promise<Outcome> => {
    const run = await findRunById(tx, input.run_id);
    if (!run || run.credentialId !== agent.credentialId) {
      return { kind: "refused", error: new AppError("not_found", "No such run.") };
    }
    const base: AuditInput = {
      type: "action.decided",
      actorType: "agent",
      actorId: agent.credentialId,
      requestId: ctx.requestId,
      tenantId: agent.tenantId,
      env: agent.env,
      route: run.routeName,
      tool: input.tool,
      argsHash: hash,
      idempotencyKey: input.idempotency_key,
      credentialScope: credentialScope(agent),
      runId: run.id,
    };
    const route = await loadRoute(tx, run.routeName);
    const tool = await loadTool(tx, input.tool);
    const costMicros = Math.round((input.cost_usd ?? 0) * USD_MICROS);
    const decision = decide({
      credentialRoutes: agent.routes,
      routeName: run.routeName,
      route: route ? { policy: route.policy, breakerOpen: route.breakerOpen } : null,
      killSwitch: await killSwitchState(tx, agent.tenantId, input.tool),
      toolName: input.tool,
      tool,
      budget: {
        stepsUsed: run.stepsUsed,
        stepsMax: run.stepsMax,
        nowMs: Date.now(),
        expiresAtMs: run.status === "active" ? run.expiresAt.getTime() : 0,
        usdUsedMicros: run.usdUsedMicros,
        usdMaxMicros: run.usdMaxMicros,
        costMicros,
      },
      validateArgs: (t) => argsValidator(t)(input.args),
    });

    if (decision.outcome === "denied" || decision.outcome === "invalid") {
      return refuse(tx, base, decision, route?.id ?? null, ctx);
    }

    // Step 8: idempotency. Same key and args → the same action back.
    const found = await findActionByIdempotencyKey(tx, {
      credentialId: agent.credentialId,
      tool: input.tool,
      idempotencyKey: input.idempotency_key,
    });
    if (found) {
      const existing = found.action;
      if (existing.argsHash !== hash) {
        await appendAudit(tx, { ...base, status: "invalid", reason: "idempotency_mismatch", actionId: existing.id });
        return {
          kind: "refused",
          error: new AppError("idempotency_mismatch", "This idempotency key was already used with different args.", {
            reason: "idempotency_mismatch",
          }),
        };
      }
      const view = toActionView(existing, { viewerCredentialId: agent.credentialId, approvalsReceived: found.approvals });
      return { kind: "ok", result: { httpStatus: existing.status === "pending" ? 202 : 200, view, replay: true } };
    }

    // Step 6, for real: the budget decrement is one conditional UPDATE.
    const now = new Date();
    if (!(await takeRunStep(tx, { id: run.id, costMicros, now }))) {
      const now2 = (await findRunById(tx, run.id))!;
      return refuse(tx, base, budgetDenial(now2, costMicros, now), route?.id ?? null, ctx);
    }

    // Step 9: allowed or pending.
    const t = tool!;
    const r = route!;
    const id = newId("act");
    const displayArgs = redact(input.args) as Record<string, unknown>;
    const pending = decision.outcome === "pending";
    // An allowed call's token is signed first, so the Action row is written once, token and all.
    const signed = pending
      ? null
      : await signActionToken(
          tx,
          {
            credentialId: agent.credentialId,
            tenant: agent.tenantId,
            env: agent.env,
            route: r.name,
            runId: run.id,
            actionId: id,
            tool: t.name,
            argsHash: hash,
            idempotencyKey: input.idempotency_key,
            approverIds: [],
          },
          { requestId: ctx.requestId, actorType: "agent", actorId: agent.credentialId },
        );
    const action: Action = {
      id,
      runId: run.id,
      credentialId: agent.credentialId,
      tenantId: agent.tenantId,
      env: agent.env,
      routeId: r.id,
      routeName: r.name,
      policyVersion: r.version,
      tool: t.name,
      toolKind: t.kind,
      argsHash: hash,
      argsDisplay: JSON.stringify(displayArgs),
      summary: renderSummary(t.summaryTemplate, displayArgs),
      idempotencyKey: input.idempotency_key,
      reason: input.reason ?? null,
      previewDisplay: input.preview ? JSON.stringify(redact(input.preview)) : null,
      callbackUrl: input.callback_url ?? null,
      onBehalfOf: input.on_behalf_of ?? null,
      costMicros,
      status: pending ? "pending" : "allowed",
      decisionReason: decision.reason,
      approvalsRequired: pending ? decision.approvalsRequired : 0,
      expiresAt: pending ? new Date(now.getTime() + r.policy.approval.pending_ttl_seconds * 1000) : null,
      decidedAt: pending ? null : now,
      rejectReason: null,
      tokenJti: signed?.jti ?? null,
      tokenExpiresAt: signed?.expiresAt ?? null,
      tokenSealed: signed ? seal(signed.token, tokenSealContext(id)) : null,
      redeemedAt: null,
      resultStatus: null,
      resultDurationMs: null,
      resultError: null,
      resultAt: null,
      breakGlassSessionId: null,
      escalatedAt: null,
      ttlExtendedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await insertAction(tx, action);
    const decided: AuditInput = {
      ...base,
      actionId: id,
      status: action.status,
      reason: decision.reason,
      data: { tool_kind: t.kind, approvals_required: action.approvalsRequired, policy_version: r.version, cost_usd: input.cost_usd ?? 0 },
    };
    if (signed) {
      // The decision and the token's own record go on the chain in one append.
      await recordActionToken(tx, signed, [decided]);
    } else {
      await appendAudit(tx, decided);
      await enqueueWebhookEvent(tx, "action.pending", {
        action_id: id,
        tenant: agent.tenantId,
        env: agent.env,
        route: r.name,
        tool: t.name,
        summary: action.summary,
        approvals_required: action.approvalsRequired,
        expires_at: action.expiresAt?.toISOString(),
      });
    }
    const view = toActionView(action, { viewerCredentialId: agent.credentialId, approvalsReceived: 0, token: signed?.token });
    return { kind: "ok", result: { httpStatus: pending ? 202 : 200, view, replay: false } };
  });
  if (outcome.kind === "refused") {
    countDecision(outcome.error.code === "denied" ? "denied" : "invalid", outcome.error.reason);
    throw outcome.error;
  }
  if (!outcome.result.replay) countDecision(outcome.result.view.status, outcome.result.view.reason_code);
  return outcome.result;
}

/** Audit a denial or invalid call (and count it against the breaker); the caller throws after commit. */
async function refuse(
  tx: Sql,
  base: AuditInput,
  decision: Extract<Decision, { outcome: "denied" | "invalid" }>,
  routeId: string | null,
  ctx: { requestId: string },
): Promise<Outcome> {
  if (decision.outcome === "invalid") {
    await appendAudit(tx, { ...base, status: "invalid", reason: decision.reason, data: { issues: decision.issues } });
    return {
      kind: "refused",
      error: new AppError("validation_failed", decision.message, { issues: decision.issues, reason: "invalid_args" }),
    };
  }
  await appendAudit(tx, { ...base, status: "denied", reason: decision.reason, data: { message: decision.message } });
  if (routeId && decision.reason !== "circuit_open") await recordBreakerFailure(tx, routeId, ctx);
  return { kind: "refused", error: new AppError("denied", decision.message, { reason: decision.reason, extra: { status: "denied" } }) };
}

/** Which budget a failed decrement ran into (read after the UPDATE refused). */
function budgetDenial(
  run: { status: string; stepsUsed: number; stepsMax: number; usdUsedMicros: number; usdMaxMicros: number; expiresAt: Date },
  costMicros: number,
  now: Date,
): Extract<Decision, { outcome: "denied" }> {
  if (run.status !== "active") return { outcome: "denied", reason: "run_ended", message: "The run has ended." };
  if (run.stepsUsed >= run.stepsMax) return { outcome: "denied", reason: "budget_steps", message: `The run has used all ${run.stepsMax} steps.` };
  if (run.expiresAt <= now) return { outcome: "denied", reason: "budget_seconds", message: "The run's time budget is used up." };
  if (run.usdUsedMicros + costMicros > run.usdMaxMicros) return { outcome: "denied", reason: "budget_usd", message: "The run's USD budget would be exceeded." };
  return { outcome: "denied", reason: "budget_steps", message: "The run's budget is exhausted." };
}
