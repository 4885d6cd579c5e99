import { z } from "zod";
import { db, type Tx } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { appendAudit, type AuditInput } from "@/lib/audit/append";
import { seal } from "@/lib/crypto/seal";
import { newId } from "@/lib/crypto/new-id";
import { argsHash as hashArgs } from "@/lib/sdk/args-hash";
import { decide } from "@/lib/policy/decide";
import { argsValidator } from "@/lib/catalog/validate-args";
import { renderSummary } from "@/lib/catalog/render-summary";
import { redact } from "@/lib/redact/redact";
import { mintActionToken } from "@/lib/tokens/mint";
import { loadRoute, loadTool, killSwitchState } from "@/lib/actions/decision-context";
import { tokenSealContext } from "@/lib/actions/action-view";
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

type Outcome = { ok: true; result: MintedForRun } | { ok: false; error: AppError };

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
  const outcome = await db().$transaction((tx) => mint(tx, userId, parsed.data, ctx));
  if (!outcome.ok) throw outcome.error;
  notifyActionChanged(outcome.result.action_id);
  return outcome.result;
}

async function mint(tx: Tx, userId: string, input: z.infer<typeof mintBreakGlassTokenInput>, ctx: { requestId?: string }): Promise<Outcome> {
  const now = new Date();
  const session = await requireOpenSession(tx, input.session_id, userId, now);
  const run = await tx.run.findUnique({ where: { id: input.run_id } });
  if (!run) return { ok: false, error: new AppError("not_found", "No such run.") };
  const hash = hashArgs(input.args);
  const base: AuditInput = {
    type: "action.decided",
    actorType: "user",
    actorId: userId,
    requestId: ctx.requestId,
    tenantId: run.tenantId,
    env: run.env,
    route: run.routeName,
    tool: input.tool,
    argsHash: hash,
    credentialScope: `${run.tenantId}/${run.env}`,
    runId: run.id,
    breakGlassSessionId: session.id,
  };
  const cred = await tx.agentCredential.findUnique({ where: { id: run.credentialId } });
  if (!cred || cred.revokedAt) return refuse(tx, base, new AppError("denied", "The run's agent credential is revoked.", { reason: "credential_revoked" }));
  const route = await loadRoute(tx, run.routeName);
  const tool = await loadTool(tx, input.tool);
  const decision = decide({
    credentialRoutes: JSON.parse(cred.routes) as string[],
    routeName: run.routeName,
    route: route ? { policy: route.policy, breakerOpen: route.breakerOpen } : null,
    killSwitch: await killSwitchState(tx, run.tenantId, input.tool),
    toolName: input.tool,
    tool,
    budget: {
      stepsUsed: run.stepsUsed,
      stepsMax: run.stepsMax,
      nowMs: now.getTime(),
      expiresAtMs: run.status === "active" ? run.expiresAt.getTime() : 0,
      usdUsedMicros: run.usdUsedMicros,
      usdMaxMicros: run.usdMaxMicros,
      costMicros: 0,
    },
    validateArgs: (t) => argsValidator(t)(input.args),
  });
  if (decision.outcome === "invalid") {
    return refuse(tx, base, new AppError("validation_failed", decision.message, { issues: decision.issues, reason: "invalid_args" }), { issues: decision.issues });
  }
  if (decision.outcome === "denied") return refuse(tx, base, new AppError("denied", decision.message, { reason: decision.reason }));

  if (!(await takeRunStep(tx, { id: run.id, now }))) return refuse(tx, base, new AppError("denied", "The run's budget is used up or the run has ended.", { reason: "budget_steps" }));

  const t = tool!;
  const r = route!;
  const id = newId("act");
  const idempotencyKey = `break-glass:${newId("bgk", 8)}`;
  const displayArgs = redact(input.args) as Record<string, unknown>;
  await tx.action.create({
    data: {
      id,
      runId: run.id,
      credentialId: run.credentialId,
      tenantId: run.tenantId,
      env: run.env,
      routeId: r.id,
      routeName: r.name,
      policyVersion: r.version,
      tool: t.name,
      toolKind: t.kind,
      argsHash: hash,
      argsDisplay: JSON.stringify(displayArgs),
      summary: renderSummary(t.summaryTemplate, displayArgs),
      idempotencyKey,
      reason: input.reason || `Break-glass: ${session.reason}`,
      status: "approved",
      decisionReason: "break_glass_minted",
      approvalsRequired: 0,
      decidedAt: now,
      breakGlassSessionId: session.id,
    },
  });
  await appendAudit(tx, { ...base, actionId: id, idempotencyKey, status: "approved", reason: "break_glass_minted", data: { tool_kind: t.kind } });
  const minted = await mintActionToken(
    tx,
    {
      credentialId: run.credentialId,
      tenant: run.tenantId,
      env: run.env,
      route: r.name,
      runId: run.id,
      actionId: id,
      tool: t.name,
      argsHash: hash,
      idempotencyKey,
      approverIds: [userId],
      breakGlassSessionId: session.id,
    },
    { requestId: ctx.requestId ?? null, actorType: "user", actorId: userId, breakGlassSessionId: session.id },
  );
  await tx.action.update({
    where: { id },
    data: { tokenJti: minted.jti, tokenExpiresAt: minted.expiresAt, tokenSealed: seal(minted.token, tokenSealContext(id)) },
  });
  return { ok: true, result: { action_id: id, status: "approved", token_expires_at: minted.expiresAt.toISOString() } };
}

/** Audit the refusal (it commits), then the caller throws. */
async function refuse(tx: Tx, base: AuditInput, error: AppError, data?: Record<string, unknown>): Promise<Outcome> {
  await appendAudit(tx, { ...base, status: error.code === "validation_failed" ? "invalid" : "denied", reason: error.reason ?? null, data });
  return { ok: false, error };
}
