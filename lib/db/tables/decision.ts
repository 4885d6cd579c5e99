import "server-only";
import type { Exec, Row, Run, Tool } from "@/lib/db/types";
import { asSql } from "@/lib/db/sql";
import { asNumber } from "@/lib/db/decode";
import { decodeRun, runColumns } from "@/lib/db/tables/run";
import { decodeTool, toolColumns } from "@/lib/db/tables/tool";
import { columnList } from "@/lib/db/tables/columns";
import type { RouteWithActivePolicy } from "@/lib/db/tables/route";

/**
 * Everything a proposed call's decision reads, in ONE statement (it was four round trips): the run
 * (its budgets), its route joined to the active policy version with the state of the breaker of this
 * tenant and environment (or a route-wide one), the catalog's tool, and the kill switches of the
 * tenant and of the tool (everywhere or for this tenant), and whether the tool is an upstream MCP
 * server's. Each part is the same query
 * lib/db/tables/route.ts, tool.ts and kill-switch.ts run on their own, so the answer is theirs, read
 * in one snapshot.
 */
const toolAs = Object.keys(toolColumns)
  .map((c) => `t."${c}" AS "t_${c}"`)
  .join(", ");

const KILLED = (scope: "tenant" | "tool") =>
  `CASE WHEN EXISTS (SELECT 1 FROM "KillSwitch" k WHERE k."key" IN (?, ?, ?) AND k."enabled" = ? AND k."scope" = '${scope}') THEN 1 ELSE 0 END`;

const RUN_AND_DECISION_ROWS = `SELECT ${columnList(runColumns, "r")},
    ro."id" AS "ro_id", ro."name" AS "ro_name", ro."activeVersion" AS "ro_activeVersion",
    v."id" AS "ro_versionId", v."policy" AS "ro_policy", v."status" AS "ro_status",
    CASE WHEN ro."id" IS NOT NULL AND EXISTS (SELECT 1 FROM "RouteBreaker" b WHERE b."routeId" = ro."id" AND b."state" = 'open'
      AND ((b."tenantId" = ? AND b."env" = ?) OR (b."tenantId" = '*' AND b."env" = '*'))) THEN 1 ELSE 0 END AS "ro_breakerOpen",
    ${toolAs},
    ${KILLED("tenant")} AS "ks_tenant",
    ${KILLED("tool")} AS "ks_tool",
    CASE WHEN t."name" IS NOT NULL AND EXISTS (SELECT 1 FROM "McpUpstreamTool" m WHERE m."toolName" = t."name") THEN 1 ELSE 0 END AS "t_mcpServed"
  FROM "Run" r
  LEFT JOIN "Route" ro ON ro."name" = r."routeName"
  LEFT JOIN "PolicyVersion" v ON v."routeId" = ro."id" AND v."version" = ro."activeVersion"
  LEFT JOIN "Tool" t ON t."name" = ?
  WHERE r."id" = ?`;

export type RunAndDecisionRows = {
  run: Run;
  /** The run's route by name (null: no such route). */
  route: RouteWithActivePolicy | null;
  /** The catalog row of the tool asked for (the database's comparison; the caller re-checks exactness). */
  tool: Tool | null;
  /** Scopes of the enabled kill switches among the three keys given. */
  killSwitches: { tenant: boolean; tool: boolean };
  /** The tool is an upstream MCP server's: only the MCP gateway runs it (with the upstream's credential). */
  mcpServed: boolean;
};

/** The run `runId` with its decision's rows; null when there is no such run. `killSwitchKeys`: tenant, tool everywhere, tool for the tenant. */
export async function findRunWithDecisionRows(
  exec: Exec,
  q: { runId: string; toolName: string; tenantId: string; env: string; killSwitchKeys: readonly [string, string, string] },
): Promise<RunAndDecisionRows | null> {
  const ks = [...q.killSwitchKeys, true] as const;
  const row = await asSql(exec).get<Row>(RUN_AND_DECISION_ROWS, [q.tenantId, q.env, ...ks, ...ks, q.toolName, q.runId]);
  if (!row) return null;
  const tool: Row = {};
  for (const c of Object.keys(toolColumns)) tool[c] = row[`t_${c}`];
  return {
    run: decodeRun(row),
    route:
      row.ro_id === null || row.ro_id === undefined
        ? null
        : {
            id: row.ro_id as string,
            name: row.ro_name as string,
            activeVersion: asNumber(row.ro_activeVersion),
            versionId: (row.ro_versionId as string | null) ?? null,
            policy: (row.ro_policy as string | null) ?? null,
            status: (row.ro_status as string | null) ?? null,
            breakerOpen: asNumber(row.ro_breakerOpen) === 1,
          },
    tool: tool.name === null || tool.name === undefined ? null : decodeTool(tool),
    killSwitches: { tenant: asNumber(row.ks_tenant) === 1, tool: asNumber(row.ks_tool) === 1 },
    mcpServed: asNumber(row.t_mcpServed) === 1,
  };
}
