import "server-only";
import { AppError, ok, refusal, settle } from "@/lib/errors";
import type { AgentPrincipal } from "@/lib/agents/authenticate-agent";
import { credentialScope } from "@/lib/agents/authenticate-agent";
import { appendAudit } from "@/lib/audit/append";
import { atCommit, sqlTransaction } from "@/lib/db/sql";
import { insertRun } from "@/lib/db/tables/run";
import { killSwitchEnabled, killedToolsAmong } from "@/lib/db/tables/kill-switch";
import { readToolsAmong } from "@/lib/db/tables/tool";
import { newId } from "@/lib/crypto/new-id";
import { mintRunToken } from "@/lib/tokens/mint";
import { loadRoute, killSwitchKeys, type LoadedRoute } from "@/lib/actions/decision-context";
import type { Exec, Run, Sql } from "@/lib/db/types";

const USD_MICROS = 1_000_000;
const RUN_TOKEN_MAX_SECONDS = 300;

export type RunView = {
  run_id: string;
  route: string;
  tenant: string;
  env: string;
  budgets: { steps: { max: number; used: number }; seconds: { max: number; expires_at: string }; usd: { max: number; used: number } };
  run_token: string;
  run_token_expires_at: string;
  tools: string[];
};

/** Read tools this route lets a run use without asking: allowed, read kind, not denied, not gated, not killed. */
export async function runReadTools(tx: Exec, route: LoadedRoute, tenantId: string): Promise<string[]> {
  const p = route.policy;
  if (p.approval.reads_require_approval) return [];
  const candidates = p.allow_tools.filter((t) => !p.deny_tools.includes(t) && !p.require_approval.includes(t));
  const tools = await readToolsAmong(tx, candidates);
  const off = new Set(
    await killedToolsAmong(
      tx,
      candidates.flatMap((t) => [killSwitchKeys.tool("*", t), killSwitchKeys.tool(tenantId, t)]),
    ),
  );
  return tools.filter((t) => !off.has(t)).sort();
}

export function runView(run: Run, token: { token: string; expiresAt: Date }, tools: string[]): RunView {
  return {
    run_id: run.id,
    route: run.routeName,
    tenant: run.tenantId,
    env: run.env,
    budgets: {
      steps: { max: run.stepsMax, used: run.stepsUsed },
      seconds: { max: run.secondsMax, expires_at: run.expiresAt.toISOString() },
      usd: { max: run.usdMaxMicros / USD_MICROS, used: run.usdUsedMicros / USD_MICROS },
    },
    run_token: token.token,
    run_token_expires_at: token.expiresAt.toISOString(),
    tools,
  };
}

/**
 * Start a run on a route the credential may use. The route, kill switch and
 * breaker checks come first; every outcome is audited.
 */
export async function startRun(agent: AgentPrincipal, routeName: string, ctx: { requestId: string }): Promise<RunView> {
  // Raw SQL (the ORM cost most of a run start's CPU); atCommit: run.started and token.minted go on
  // the chain as one append, the transaction's last statements.
  const out = await sqlTransaction(
    atCommit(async (tx: Sql) => {
      const base = {
        actorType: "agent" as const,
        actorId: agent.credentialId,
        requestId: ctx.requestId,
        tenantId: agent.tenantId,
        env: agent.env,
        route: routeName,
        credentialScope: credentialScope(agent),
      };
      const deny = async (reason: string, message: string) => {
        await appendAudit(tx, { ...base, type: "run.denied", status: "denied", reason });
        return refusal(new AppError("denied", message, { reason, extra: { status: "denied" } }));
      };
      if (!agent.routes.includes(routeName)) return deny("route_not_permitted", `This credential may not use route ${routeName}.`);
      const route = await loadRoute(tx, routeName, { tenantId: agent.tenantId, env: agent.env });
      if (!route) return deny("unknown_route", `Route ${routeName} does not exist.`);
      if (await killSwitchEnabled(tx, killSwitchKeys.tenant(agent.tenantId))) return deny("kill_switch", "This tenant's kill switch is on.");
      if (route.breakerOpen) return deny("circuit_open", `Route ${routeName}'s circuit breaker is open.`);

      const now = new Date();
      const b = route.policy.budgets;
      const run: Run = {
        id: newId("run"),
        credentialId: agent.credentialId,
        tenantId: agent.tenantId,
        env: agent.env,
        routeId: route.id,
        routeName: route.name,
        stepsMax: b.steps,
        stepsUsed: 0,
        secondsMax: b.seconds,
        usdMaxMicros: Math.round(b.usd * USD_MICROS),
        usdUsedMicros: 0,
        startedAt: now,
        expiresAt: new Date(now.getTime() + b.seconds * 1000),
        status: "active",
      };
      await insertRun(tx, run);
      await appendAudit(tx, { ...base, type: "run.started", runId: run.id, status: "ok", data: { policy_version: route.version, budgets: b } });
      const tools = await runReadTools(tx, route, agent.tenantId);
      const token = await mintRunToken(
        tx,
        {
          credentialId: agent.credentialId,
          tenant: agent.tenantId,
          env: agent.env,
          route: route.name,
          runId: run.id,
          tools,
          ttlSeconds: Math.min(RUN_TOKEN_MAX_SECONDS, b.seconds),
        },
        { requestId: ctx.requestId, actorType: "agent", actorId: agent.credentialId },
      );
      return ok(runView(run, token, tools));
    }),
  );
  return settle(out);
}
