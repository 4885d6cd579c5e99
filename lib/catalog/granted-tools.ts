import "server-only";
import type { Exec } from "@/lib/db/types";
import type { AgentPrincipal } from "@/lib/agents/authenticate-agent";
import type { ToolKind } from "@/lib/policy/types";
import { decide } from "@/lib/policy/decide";
import { loadDecisionInput, loadRoute } from "@/lib/actions/decision-context";

/** One tool an agent may call on a route, as tool discovery (GET /api/v1/tools, MCP tools/list) shows it. */
export type GrantedTool = {
  name: string;
  kind: ToolKind;
  description: string;
  argsSchema: Record<string, unknown>;
  summaryTemplate: string;
  /** What a call with arguments that match no condition gets: allowed, or approval by this many humans. */
  decision: { outcome: "allowed" } | { outcome: "approval_required"; approvals: number };
};

/**
 * The tools this credential may call on this route, each with what a call
 * would get, computed with the real `decide` (no budget, no args: argument
 * conditions are never shown, so their thresholds stay hidden). Denied tools
 * (not granted, denied, kill-switched, unknown) are left out entirely: least
 * privilege by hiding. A route the credential may not use, an unknown route or
 * an open breaker gives an empty list. `exclude` drops names the caller
 * withholds (an MCP tool whose upstream changed since approval).
 */
export async function grantedTools(
  exec: Exec,
  agent: Pick<AgentPrincipal, "routes" | "tenantId" | "env">,
  routeName: string,
  exclude?: ReadonlySet<string>,
): Promise<GrantedTool[]> {
  if (!agent.routes.includes(routeName)) return [];
  const route = await loadRoute(exec, routeName, { tenantId: agent.tenantId, env: agent.env });
  if (!route) return [];
  const p = route.policy;
  const candidates = [...new Set([...p.allow_tools, ...p.require_approval])].filter((n) => !p.deny_tools.includes(n) && !exclude?.has(n)).sort();
  const out: GrantedTool[] = [];
  for (const toolName of candidates) {
    const g = await grantOf(exec, agent, routeName, toolName);
    if (!g) continue;
    const { tool, d } = g;
    out.push({
      name: tool.name,
      kind: tool.kind,
      description: tool.description,
      argsSchema: tool.argsSchema,
      summaryTemplate: tool.summaryTemplate,
      decision: d.outcome === "allowed" ? { outcome: "allowed" } : { outcome: "approval_required", approvals: d.approvalsRequired },
    });
  }
  return out;
}

/**
 * Whether discovery would list this one tool for the agent on this route: the
 * same rule as grantedTools, for one name. The MCP gateway asks it before it
 * says why a tool is withheld, so that nobody learns of a tool (or its state)
 * that its route does not grant them.
 */
export async function grantsTool(exec: Exec, agent: Pick<AgentPrincipal, "routes" | "tenantId" | "env">, routeName: string, toolName: string): Promise<boolean> {
  return agent.routes.includes(routeName) && (await grantOf(exec, agent, routeName, toolName)) !== null;
}

async function grantOf(exec: Exec, agent: Pick<AgentPrincipal, "routes" | "tenantId" | "env">, routeName: string, toolName: string) {
  const { input, tool } = await loadDecisionInput(exec, { credentialRoutes: agent.routes, tenantId: agent.tenantId, env: agent.env, routeName, toolName });
  const d = decide(input);
  if (!tool || (d.outcome !== "allowed" && d.outcome !== "pending")) return null;
  return { tool, d };
}
