import "server-only";
import { db } from "@/lib/db/client";
import { AppError, ok, refusal, settle } from "@/lib/errors";
import type { AgentPrincipal } from "@/lib/agents/authenticate-agent";
import { mintRunToken } from "@/lib/tokens/mint";
import { killSwitchKeys, loadRoute, type LoadedRoute } from "@/lib/actions/decision-context";
import { enabledKillSwitchScopes } from "@/lib/db/tables/kill-switch";
import type { Tx } from "@/lib/db/types";
import { runReadTools, runView, type RunView } from "@/lib/runs/start-run";

/**
 * A fresh run token, only while the run is within its budgets; the token never
 * outlives the run's time budget. Tools are recomputed from the current policy
 * and kill switches; a tenant kill switch or an open breaker refuses it.
 */
export async function refreshRunToken(agent: AgentPrincipal, runId: string, ctx: { requestId: string }): Promise<RunView> {
  const out = await db().$transaction(async (tx) => {
    const run = await tx.run.findUnique({ where: { id: runId } });
    if (!run || run.credentialId !== agent.credentialId) return refusal(new AppError("not_found", "No such run."));
    const now = Date.now();
    const remaining = Math.floor((run.expiresAt.getTime() - now) / 1000);
    if (run.status !== "active" || remaining < 1) {
      return refusal(new AppError("denied", "The run's time budget is used up.", { reason: "budget_seconds", extra: { status: "denied" } }));
    }
    if (run.stepsUsed >= run.stepsMax) {
      return refusal(new AppError("denied", "The run has used all its steps.", { reason: "budget_steps", extra: { status: "denied" } }));
    }
    const route = await loadRoute(tx, run.routeName, { tenantId: run.tenantId, env: run.env });
    if (!route || !agent.routes.includes(run.routeName)) {
      return refusal(new AppError("denied", "The run's route is no longer available to this credential.", { reason: "route_not_permitted", extra: { status: "denied" } }));
    }
    const stopped = await runControls(tx, route, agent.tenantId);
    if (stopped) return refusal(stopped);
    const tools = await runReadTools(tx, route, agent.tenantId);
    const token = await mintRunToken(
      tx,
      { credentialId: agent.credentialId, tenant: agent.tenantId, env: agent.env, route: run.routeName, runId, tools, ttlSeconds: Math.min(300, remaining) },
      { requestId: ctx.requestId, actorType: "agent", actorId: agent.credentialId },
    );
    return ok(runView(run, token, tools));
  });
  return settle(out);
}

/** The controls that stop a whole run (a killed tool only drops out of the token's tools). */
async function runControls(tx: Tx, route: LoadedRoute, tenantId: string): Promise<AppError | null> {
  const tenantKey = killSwitchKeys.tenant(tenantId);
  if ((await enabledKillSwitchScopes(tx, [tenantKey, tenantKey, tenantKey])).length > 0) {
    return new AppError("denied", "A kill switch has stopped all actions for this tenant.", { reason: "kill_switch", extra: { status: "denied" } });
  }
  if (route.breakerOpen) {
    return new AppError("denied", `The circuit breaker for the route ${route.name} is open; a human must reset it.`, { reason: "circuit_open", extra: { status: "denied" } });
  }
  return null;
}
