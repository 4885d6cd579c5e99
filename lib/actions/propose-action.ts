import "server-only";
import { atCommit, sqlTransaction } from "@/lib/db/sql";
import type { Sql } from "@/lib/db/types";
import { AppError, ok, refusal, type Outcome, type Refusal } from "@/lib/errors";
import type { ProposeActionInput, ActionView } from "@/lib/api/schemas";
import type { AgentPrincipal } from "@/lib/agents/authenticate-agent";
import { decide, type Decision } from "@/lib/policy/decide";
import { argsHash as hashArgs } from "@gatehouse-dev/sdk";
import { appendAudit, type AuditInput } from "@/lib/audit/append";
import { enqueueWebhookEvent } from "@/lib/webhooks/enqueue";
import { checkCallbackUrl } from "@/lib/webhooks/callback-url";
import { loadProposalDecision } from "@/lib/actions/decision-context";
import { countsTowardBreaker, recordBreakerFailure } from "@/lib/actions/circuit-breaker";
import { toActionView } from "@/lib/actions/action-view";
import { actionAuditFields } from "@/lib/actions/action-audit";
import { createAction } from "@/lib/actions/create-action";
import { readActionByIdempotencyKeyAhead } from "@/lib/db/tables/action";
import { readEnabledWebhookEndpointsAhead } from "@/lib/db/tables/webhook-delivery";
import { findRunById, takeRunStepBeforeAppend } from "@/lib/db/tables/run";
import { isUniqueViolation } from "@/lib/db/errors";
import { countDecision } from "@/lib/metrics/record";
import { getAction } from "@/lib/actions/get-action";
import { wakePreviewWorker } from "@/lib/previews/request-preview";

export type ProposeResult = { httpStatus: 200 | 202; view: ActionView; replay: boolean; previewDue?: boolean };

const USD_MICROS = 1_000_000;

/**
 * Steps 2–9 of the decision for one proposed tool call. The decision itself
 * is the pure `decide`; this function loads its inputs, applies idempotency
 * and the atomic budget decrement, and commits the state change with its
 * audit events in one transaction. Denials are audited too, then thrown.
 */
export async function proposeAction(
  agent: AgentPrincipal,
  input: ProposeActionInput,
  ctx: { requestId: string },
  opts: { executedBy?: "mcp-gateway" } = {},
): Promise<ProposeResult> {
  if (input.callback_url !== undefined) {
    const check = checkCallbackUrl(input.callback_url, agent.callbackAllowlist);
    if (!check.ok) {
      throw new AppError("validation_failed", "callback_url is not allowed.", { issues: [{ path: "callback_url", message: check.message }] });
    }
  }
  const hash = hashArgs(input.args);
  let result: ProposeResult;
  try {
    result = await attempt(agent, input, hash, ctx, opts);
  } catch (err) {
    // Two concurrent first proposals with one key: the loser's insert hits the
    // unique index and rolls back (budget included); the retry finds the winner.
    if (!isUniqueViolation(err)) throw err;
    result = await attempt(agent, input, hash, ctx, opts);
  }
  // A replay of an approved or allowed call whose token expired answers as a poll does: a
  // fresh token within the approval's window (re-minted after this transaction), a clear answer after it.
  const v = result.view;
  if (result.replay && !v.token && (v.status === "approved" || v.status === "allowed")) return { ...result, view: await getAction(agent, v.action_id, ctx) };
  return result;
}

async function attempt(agent: AgentPrincipal, input: ProposeActionInput, hash: string, ctx: { requestId: string }, opts: { executedBy?: "mcp-gateway" }): Promise<ProposeResult> {
  // atCommit: the audit append (every event of the call, as one) is the transaction's last statements.
  const outcome = await sqlTransaction(
    atCommit(async (tx: Sql): Promise<Outcome<ProposeResult>> => {
      const costMicros = Math.round((input.cost_usd ?? 0) * USD_MICROS);
      // Step 8's read, sent with the decision's (its answer is looked at only after the decision).
      const idempotent = readActionByIdempotencyKeyAhead(tx, {
        credentialId: agent.credentialId,
        tool: input.tool,
        idempotencyKey: input.idempotency_key,
      });
      // The run, its route and policy, the tool and the kill switches: one statement.
      const loaded = await loadProposalDecision(tx, {
        runId: input.run_id,
        credentialRoutes: agent.routes,
        tenantId: agent.tenantId,
        env: agent.env,
        toolName: input.tool,
        call: { costMicros, nowMs: Date.now(), args: input.args },
      });
      const run = loaded?.run;
      if (!loaded || !run || run.credentialId !== agent.credentialId) {
        return refusal(new AppError("not_found", "No such run."));
      }
      const base: AuditInput = {
        type: "action.decided",
        actorType: "agent",
        actorId: agent.credentialId,
        requestId: ctx.requestId,
        ...actionAuditFields({
          tenantId: agent.tenantId,
          env: agent.env,
          routeName: run.routeName,
          tool: input.tool,
          argsHash: hash,
          idempotencyKey: input.idempotency_key,
          runId: run.id,
        }),
      };
      const { input: decisionInput, route, tool } = loaded;
      const decision = decide(decisionInput);

      if (decision.outcome === "denied" || decision.outcome === "invalid") {
        return refuse(tx, base, decision, route ? { routeId: route.id, tenantId: agent.tenantId, env: agent.env } : null, ctx);
      }

      // A tool an upstream MCP server serves runs only through the gateway, with the upstream's credential: over
      // the agent API its token would open nothing (no tool service checks it), so it is refused, audited.
      if (loaded.mcpServed && opts.executedBy !== "mcp-gateway") {
        await appendAudit(tx, { ...base, status: "invalid", reason: "mcp_gateway_tool" });
        return refusal(
          new AppError("validation_failed", `${input.tool} is served by an upstream MCP server: call it through Gatehouse's MCP gateway (/mcp/${run.routeName}), which runs it.`, {
            reason: "mcp_gateway_tool",
          }),
        );
      }

      // Step 8: idempotency. Same key and args → the same action back.
      const found = await idempotent();
      if (found) {
        const existing = found.action;
        if (existing.argsHash !== hash) {
          await appendAudit(tx, { ...base, status: "invalid", reason: "idempotency_mismatch", actionId: existing.id });
          return refusal(
            new AppError("idempotency_mismatch", "This idempotency key was already used with different args.", {
              reason: "idempotency_mismatch",
            }),
          );
        }
        const view = toActionView(existing, { viewerCredentialId: agent.credentialId, approvalsReceived: found.approvals });
        return ok({ httpStatus: existing.status === "pending" ? 202 : 200, view, replay: true });
      }

      // Step 6, for real: the budget decrement is one conditional UPDATE.
      const now = new Date();
      // The append after it is the decision's event (and, allowed with a token, the token's): the same statement locks its audit chain.
      const events = decision.outcome === "pending" || opts.executedBy ? 1 : 2;
      // A pending call announces itself (action.pending): the endpoints' read goes with the UPDATE.
      const endpoints = decision.outcome === "pending" ? readEnabledWebhookEndpointsAhead(tx) : undefined;
      if (!(await takeRunStepBeforeAppend(tx, { id: run.id, costMicros, now }, events))) {
        const now2 = (await findRunById(tx, run.id))!;
        return refuse(tx, base, budgetDenial(now2, costMicros, now), null, ctx);
      }

      // Step 9: allowed or pending.
      const r = route!;
      const pending = decision.outcome === "pending";
      const { action, token } = await createAction(
        tx,
        {
          run: { id: run.id, credentialId: agent.credentialId, tenantId: agent.tenantId, env: agent.env },
          route: r,
          tool: tool!,
          args: input.args,
          argsHash: hash,
          idempotencyKey: input.idempotency_key,
          reason: input.reason ?? null,
          preview: input.preview,
          callbackUrl: input.callback_url,
          onBehalfOf: input.on_behalf_of,
          costMicros,
          status: pending ? "pending" : "allowed",
          decisionReason: decision.reason,
          approvalsRequired: pending ? decision.approvalsRequired : 0,
          expiresAt: pending ? new Date(now.getTime() + r.policy.approval.pending_ttl_seconds * 1000) : null,
          // The gateway runs an allowed call itself, with no token (a pending one gets its token at approval, redeemed by the gateway).
          executedBy: pending ? undefined : opts.executedBy,
          now,
        },
        {
          actorType: "agent",
          actorId: agent.credentialId,
          requestId: ctx.requestId,
          data: {
            tool_kind: tool!.kind,
            approvals_required: pending ? decision.approvalsRequired : 0,
            policy_version: r.version,
            cost_usd: input.cost_usd ?? 0,
          },
        },
      );
      if (pending) {
        await enqueueWebhookEvent(
          tx,
          "action.pending",
          {
            action_id: action.id,
            tenant: agent.tenantId,
            env: agent.env,
            route: r.name,
            tool: action.tool,
            summary: action.summary,
            approvals_required: action.approvalsRequired,
            expires_at: action.expiresAt?.toISOString(),
          },
          endpoints,
        );
      }
      const view = toActionView(action, { viewerCredentialId: agent.credentialId, approvalsReceived: 0, token: token?.token });
      return ok({ httpStatus: pending ? 202 : 200, view, replay: false, previewDue: action.previewStatus === "pending" });
    }),
  );
  if (!outcome.ok) {
    countDecision(outcome.error.code === "denied" ? "denied" : "invalid", outcome.error.reason);
    throw outcome.error;
  }
  if (!outcome.value.replay) countDecision(outcome.value.view.status, outcome.value.view.reason_code);
  // After the commit, outside this request's work: the preview worker asks the tool service (lib/previews).
  if (!outcome.value.replay && outcome.value.view.status === "pending" && outcome.value.previewDue) wakePreviewWorker();
  return outcome.value;
}

/** Audit a denial or invalid call (and count a denial against its scope's breaker); the caller throws after commit. */
async function refuse(
  tx: Sql,
  base: AuditInput,
  decision: Extract<Decision, { outcome: "denied" | "invalid" }>,
  breaker: { routeId: string; tenantId: string; env: string } | null,
  ctx: { requestId: string },
): Promise<Refusal> {
  if (decision.outcome === "invalid") {
    await appendAudit(tx, { ...base, status: "invalid", reason: decision.reason, data: { issues: decision.issues } });
    return refusal(new AppError("validation_failed", decision.message, { issues: decision.issues, reason: "invalid_args" }));
  }
  await appendAudit(tx, { ...base, status: "denied", reason: decision.reason, data: { message: decision.message } });
  if (breaker && countsTowardBreaker(decision.reason)) await recordBreakerFailure(tx, breaker.routeId, breaker, ctx);
  return refusal(new AppError("denied", decision.message, { reason: decision.reason, extra: { status: "denied" } }));
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
