import "server-only";
import { db } from "@/lib/db/client";
import { sqlRead } from "@/lib/db/sql";
import { AppError } from "@/lib/errors";
import type { AgentPrincipal } from "@/lib/agents/authenticate-agent";
import { grantedTools, type GrantedTool } from "@/lib/catalog/granted-tools";
import type { ToolsView } from "@gatehouse-dev/sdk";

/**
 * GET /api/v1/tools: what this credential may call, per route, from `grantedTools`
 * (never denied tools, never condition thresholds, never an upstream MCP server's tools, which
 * only the MCP gateway runs). With `runId`, only that run's
 * route; a run of another credential is "not found", as everywhere in the agent API.
 * Read-only: no audit record, no budget step.
 */
export async function discoverTools(agent: AgentPrincipal, runId?: string): Promise<ToolsView> {
  let routes = agent.routes;
  if (runId !== undefined) {
    const run = await db().run.findUnique({ where: { id: runId }, select: { credentialId: true, routeName: true } });
    if (!run || run.credentialId !== agent.credentialId) throw new AppError("not_found", "No such run.");
    routes = [run.routeName];
  }
  const sorted = [...routes].sort();
  // An upstream MCP server's tools run only through the MCP gateway (POST /api/v1/actions refuses them): not listed here.
  const mcpServed = new Set((await db().mcpUpstreamTool.findMany({ select: { toolName: true } })).map((t) => t.toolName));
  return sqlRead(async (sql) => {
    const out: ToolsView["routes"] = [];
    for (const route of sorted) out.push({ route, tools: (await grantedTools(sql, agent, route, mcpServed)).map(toolView) });
    return { routes: out };
  });
}

function toolView(t: GrantedTool): ToolsView["routes"][number]["tools"][number] {
  return { name: t.name, kind: t.kind, description: t.description, args_schema: t.argsSchema, summary_template: t.summaryTemplate, decision: t.decision };
}
