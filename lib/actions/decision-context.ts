import "server-only";
import type { Exec } from "@/lib/db/types";
import { findRouteWithActivePolicy } from "@/lib/db/tables/route";
import { findToolByName } from "@/lib/db/tables/tool";
import { enabledKillSwitchScopes } from "@/lib/db/tables/kill-switch";
import { findRunWithDecisionRows } from "@/lib/db/tables/decision";
import type { RouteWithActivePolicy } from "@/lib/db/tables/route";
import type { Run, Tool } from "@/lib/db/types";
import type { Policy, ToolEntry } from "@/lib/policy/types";
import type { DecisionInput } from "@/lib/policy/decide";
import { argsValidator } from "@/lib/catalog/validate-args";
import { parsePolicy } from "@/lib/policy/policy-schema";
import { toolEntryFromRow } from "@/lib/catalog/tool-from-row";

export type LoadedRoute = {
  id: string;
  name: string;
  version: number;
  policy: Policy;
  breakerOpen: boolean;
};

// A policy version's row never changes, so its parse is cached by id.
const policyCache = new Map<string, Policy>();
const MAX_CACHED = 2_000;

function remember<V>(cache: Map<string, V>, key: string, make: () => V): V {
  let v = cache.get(key);
  if (v === undefined) {
    v = make();
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, v);
  }
  return v;
}

/**
 * The route with its active policy version and the state of the breaker of
 * this tenant and environment (a route-wide breaker counts too), or null when
 * no such route exists.
 */
export async function loadRoute(exec: Exec, name: string, scope: { tenantId: string; env: string }): Promise<LoadedRoute | null> {
  return routeFromRow(await findRouteWithActivePolicy(exec, name, scope), name);
}

function routeFromRow(row: RouteWithActivePolicy | null, name: string): LoadedRoute | null {
  // A route without a readable active policy denies everything (fail closed).
  if (!row || row.name !== name || !row.versionId || row.policy === null || row.status !== "active") return null;
  const { versionId, policy } = row;
  return {
    id: row.id,
    name: row.name,
    version: row.activeVersion,
    policy: remember(policyCache, versionId, () => parsePolicy(policy)),
    breakerOpen: row.breakerOpen,
  };
}

/** Exact, case-sensitive catalog lookup; no normalisation of any kind. */
async function loadTool(exec: Exec, name: string): Promise<ToolEntry | null> {
  return toolFromRow(await findToolByName(exec, name), name);
}

function toolFromRow(row: Tool | null, name: string): ToolEntry | null {
  if (!row || row.name !== name) return null;
  return toolEntryFromRow(row);
}

/** Kill-switch keys: a whole tenant, a tool everywhere, a tool for one tenant. */
export const killSwitchKeys = {
  tenant: (tenantId: string) => `tenant:${tenantId}`,
  tool: (tenantId: string | "*", tool: string) => `tool:${tenantId}:${tool}`,
};

/** The switches that stop this tenant's call of this tool: the tenant's, the tool's everywhere, the tool's for this tenant. */
const switchKeysFor = (tenantId: string, tool: string) => [killSwitchKeys.tenant(tenantId), killSwitchKeys.tool("*", tool), killSwitchKeys.tool(tenantId, tool)] as const;

async function killSwitchState(exec: Exec, tenantId: string, tool: string): Promise<{ tenant: boolean; tool: boolean }> {
  const scopes = await enabledKillSwitchScopes(exec, [...switchKeysFor(tenantId, tool)]);
  return { tenant: scopes.includes("tenant"), tool: scopes.includes("tool") };
}

/** The run fields the budget step reads. */
export type RunBudget = {
  status: string;
  stepsUsed: number;
  stepsMax: number;
  usdUsedMicros: number;
  usdMaxMicros: number;
  expiresAt: Date;
};

export type DecisionSubject = {
  /** The credential's routes, already parsed (`parseCredentialRoutes`). */
  credentialRoutes: readonly string[];
  tenantId: string;
  env: string;
  routeName: string;
  toolName: string;
  /** For a new call: the run's budgets and the call's args. Omitted at approval-time re-checks. */
  call?: { run: RunBudget; costMicros: number; nowMs: number; args: unknown };
};

export type LoadedDecisionInput = { input: DecisionInput; route: LoadedRoute | null; tool: ToolEntry | null };

/**
 * Everything `decide` needs, read in one order for every caller (proposal,
 * approval-time re-check, break-glass): route, tool, kill switches.
 */
export async function loadDecisionInput(exec: Exec, s: DecisionSubject): Promise<LoadedDecisionInput> {
  const route = await loadRoute(exec, s.routeName, { tenantId: s.tenantId, env: s.env });
  const tool = await loadTool(exec, s.toolName);
  const killSwitch = await killSwitchState(exec, s.tenantId, s.toolName);
  return decisionInput(s, route, tool, killSwitch);
}

/** A new call's subject: the run by id (its route is the run's), the call's cost and args. */
export type ProposalSubject = Omit<DecisionSubject, "routeName" | "call"> & { runId: string; call: Omit<NonNullable<DecisionSubject["call"]>, "run"> };

/**
 * For a proposed call: the run and everything `decide` needs, in ONE statement
 * (lib/db/tables/decision.ts) — the same rows loadDecisionInput reads in three
 * and the run's in a fourth, read in one snapshot. Null when there is no such
 * run (the caller checks it is the agent's).
 */
export async function loadProposalDecision(exec: Exec, s: ProposalSubject): Promise<(LoadedDecisionInput & { run: Run; mcpServed: boolean }) | null> {
  const rows = await findRunWithDecisionRows(exec, {
    runId: s.runId,
    toolName: s.toolName,
    tenantId: s.tenantId,
    env: s.env,
    killSwitchKeys: switchKeysFor(s.tenantId, s.toolName),
  });
  if (!rows) return null;
  const { run } = rows;
  const subject: DecisionSubject = { ...s, routeName: run.routeName, call: { ...s.call, run } };
  return { ...decisionInput(subject, routeFromRow(rows.route, run.routeName), toolFromRow(rows.tool, s.toolName), rows.killSwitches), run, mcpServed: rows.mcpServed };
}

function decisionInput(s: DecisionSubject, route: LoadedRoute | null, tool: ToolEntry | null, switches: { tenant: boolean; tool: boolean }): LoadedDecisionInput {
  const killSwitch = switches;
  const input: DecisionInput = {
    credentialRoutes: s.credentialRoutes,
    routeName: s.routeName,
    route: route ? { policy: route.policy, breakerOpen: route.breakerOpen } : null,
    killSwitch,
    toolName: s.toolName,
    tool,
  };
  const call = s.call;
  if (call) {
    input.budget = {
      stepsUsed: call.run.stepsUsed,
      stepsMax: call.run.stepsMax,
      nowMs: call.nowMs,
      expiresAtMs: call.run.status === "active" ? call.run.expiresAt.getTime() : 0,
      usdUsedMicros: call.run.usdUsedMicros,
      usdMaxMicros: call.run.usdMaxMicros,
      costMicros: call.costMicros,
    };
    input.validateArgs = (t) => argsValidator(t)(call.args);
    input.args = call.args;
  }
  return { input, route, tool };
}
