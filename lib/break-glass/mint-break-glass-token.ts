import "server-only";
import { z } from "zod";
import { db, type Tx } from "@/lib/db/client";
import { AppError, ok, refusal, settle, type Outcome, type Refusal } from "@/lib/errors";
import { appendAudit, type AuditInput } from "@/lib/audit/append";
import { newId } from "@/lib/crypto/new-id";
import { argsHash as hashArgs } from "@gatehouse-dev/sdk";
import { decide } from "@/lib/policy/decide";
import { parseCredentialRoutes } from "@/lib/agents/authenticate-agent";
import { loadDecisionInput } from "@/lib/actions/decision-context";
import { actionAuditFields } from "@/lib/actions/action-audit";
import { createAction } from "@/lib/actions/create-action";
import { notifyActionChanged } from "@/lib/events/action-events";
import { requireOpenSession } from "@/lib/break-glass/session-rules";
import { takeRunStep } from "@/lib/db/tables/run";

export const mintBreakGlassTokenInput = z.strictObject({
  session_id: z.string().min(1).max(100),
  run_id: z.string().min(1).max(100),
  tool: z.string().min(1).max(200),
  args: z.record(z.string(), z.unknown()),
  reason: z.string().trim().max(1000).optional(),
});

/** What the on-call gets back: the action id to hand over, never the token itself. */
export type MintedForRun = { action_id: string; status: "approved"; token_expires_at: string };

/**
 * Break-glass power: one action token for one run, one tool and exact args —
 * the same claims and lifetime as any action token, bound to the args hash.
 * It skips only the human-approval step: the credential, route, catalog,
 * kill switches, breaker, budget and the tool's args schema still apply.
 * The token is sealed onto a new approved Action; the agent that owns the
 * run fetches it through GET /api/v1/actions/{id}.
 */
export async function mintBreakGlassToken(userId: string, body: unknown, ctx: { requestId?: string } = {}): Promise<MintedForRun> {
  const parsed = mintBreakGlassTokenInput.safeParse(body);
  if (!parsed.success) {
    throw new AppError("validation_failed", "Invalid token request.", { issues: parsed.error.issues.map((i) => ({ path: i.path.join(".") || "body", message: i.message })) });
  }
  const minted = settle(await db().$transaction((tx) => mint(tx, userId, parsed.data, ctx)));
  notifyActionChanged(minted.action_id);
  return minted;
}

async function mint(tx: Tx, userId: string, input: z.infer<typeof mintBreakGlassTokenInput>, ctx: { requestId?: string }): Promise<Outcome<MintedForRun>> {
  const now = new Date();
  const session = await requireOpenSession(tx, input.session_id, userId, now);
  const run = await tx.run.findUnique({ where: { id: input.run_id } });
  if (!run) return refusal(new AppError("not_found", "No such run."));
  const hash = hashArgs(input.args);
  const base: AuditInput = {
    type: "action.decided",
    actorType: "user",
    actorId: userId,
    requestId: ctx.requestId,
    // The idempotency key is made up only once the call is allowed.
    ...actionAuditFields({ tenantId: run.tenantId, env: run.env, routeName: run.routeName, tool: input.tool, argsHash: hash, idempotencyKey: null, runId: run.id }),
    breakGlassSessionId: session.id,
  };
  const cred = await tx.agentCredential.findUnique({ where: { id: run.credentialId } });
  if (!cred || cred.revokedAt) return refuse(tx, base, new AppError("denied", "The run's agent credential is revoked.", { reason: "credential_revoked" }));
  const {
    input: decisionInput,
    route,
    tool,
  } = await loadDecisionInput(tx, {
    credentialRoutes: parseCredentialRoutes(cred.routes),
    tenantId: run.tenantId,
    env: run.env,
    routeName: run.routeName,
    toolName: input.tool,
    call: { run, costMicros: 0, nowMs: now.getTime(), args: input.args },
  });
  const decision = decide(decisionInput);
  if (decision.outcome === "invalid") {
    return refuse(tx, base, new AppError("validation_failed", decision.message, { issues: decision.issues, reason: "invalid_args" }), { issues: decision.issues });
  }
  if (decision.outcome === "denied") return refuse(tx, base, new AppError("denied", decision.message, { reason: decision.reason }));

  if (!(await takeRunStep(tx, { id: run.id, now })))
    return refuse(tx, base, new AppError("denied", "The run's budget is used up or the run has ended.", { reason: "budget_steps" }));

  const { action, token } = await createAction(
    tx,
    {
      run,
      route: route!,
      tool: tool!,
      args: input.args,
      argsHash: hash,
      idempotencyKey: `break-glass:${newId("bgk", 8)}`,
      reason: input.reason || `Break-glass: ${session.reason}`,
      status: "approved",
      decisionReason: "break_glass_minted",
      approverIds: [userId],
      breakGlassSessionId: session.id,
      now,
    },
    { actorType: "user", actorId: userId, requestId: ctx.requestId, data: { tool_kind: tool!.kind } },
  );
  return ok({ action_id: action.id, status: "approved", token_expires_at: token.expiresAt.toISOString() });
}

/** Audit the refusal (it commits), then the caller throws. */
async function refuse(tx: Tx, base: AuditInput, error: AppError, data?: Record<string, unknown>): Promise<Refusal> {
  await appendAudit(tx, { ...base, status: error.code === "validation_failed" ? "invalid" : "denied", reason: error.reason ?? null, data });
  return refusal(error);
}
