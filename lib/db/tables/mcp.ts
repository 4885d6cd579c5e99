import "server-only";
import type { Exec, McpPendingCall, McpSession, McpUpstream, McpUpstreamTool, Row, Sql } from "@/lib/db/types";
import { asSql } from "@/lib/db/sql";
import { columnList, rowDecoder, type ColumnKinds } from "@/lib/db/tables/columns";
import { asDate } from "@/lib/db/decode";

/**
 * The MCP gateway's hot-path statements (lib/mcp/gateway.ts): an allowed
 * tools/call reads its session and its tool (with upstream and credential) in
 * two statements instead of four ORM queries.
 */
export const mcpSessionColumns = {
  id: "string",
  credentialId: "string",
  routeName: "string",
  runId: "string",
  createdAt: "date",
  closedAt: "date?",
} as const satisfies ColumnKinds<McpSession>;

export const mcpUpstreamColumns = {
  id: "string",
  name: "string",
  transport: "string",
  url: "string?",
  stdioCommand: "string?",
  status: "string",
  maxConcurrent: "int",
  timeoutMs: "int",
  requestedBy: "string?",
  approvedBy: "string?",
  lastOkAt: "date?",
  lastError: "string?",
  lastErrorAt: "date?",
  createdAt: "date",
  updatedAt: "date",
} as const satisfies ColumnKinds<McpUpstream>;

export const mcpUpstreamToolColumns = {
  toolName: "string",
  upstreamId: "string",
  upstreamTool: "string",
  status: "string",
  observedDescription: "string",
  observedSchema: "string",
  observedHash: "string",
  approvedDescription: "string?",
  approvedSchema: "string?",
  approvedHash: "string?",
  suggestedKind: "string",
  idempotent: "bool",
  redactResults: "bool",
  createdAt: "date",
  updatedAt: "date",
} as const satisfies ColumnKinds<McpUpstreamTool>;

export const mcpPendingCallColumns = {
  actionId: "string",
  sessionId: "string",
  toolName: "string",
  sealedArgs: "string?",
  claimedAt: "date?",
  finishedAt: "date?",
  sealedResult: "string?",
  createdAt: "date",
} as const satisfies ColumnKinds<McpPendingCall>;

const decodeSession = rowDecoder<McpSession>(mcpSessionColumns);
const decodeUpstream = rowDecoder<McpUpstream>(mcpUpstreamColumns);
const decodeTool = rowDecoder<McpUpstreamTool>(mcpUpstreamToolColumns);
export const decodeMcpPendingCall = rowDecoder<McpPendingCall>(mcpPendingCallColumns);

const SESSION = `SELECT ${columnList(mcpSessionColumns)} FROM "McpSession" WHERE "id" = ?`;

export async function findMcpSession(sql: Sql, id: string): Promise<McpSession | null> {
  const row = await sql.get(SESSION, [id]);
  return row ? decodeSession(row) : null;
}

/** Upstream columns under a prefix, so one row carries tool, upstream and credential. */
const U_COLS = Object.keys(mcpUpstreamColumns)
  .map((c) => `u."${c}" AS "u_${c}"`)
  .join(", ");
const TOOL_FOR_CALL = `SELECT ${columnList(mcpUpstreamToolColumns, "t")}, ${U_COLS}, c."sealedHeaders" AS "c_sealedHeaders", c."updatedAt" AS "c_updatedAt"
  FROM "McpUpstreamTool" t
  JOIN "McpUpstream" u ON u."id" = t."upstreamId"
  LEFT JOIN "McpUpstreamCredential" c ON c."upstreamId" = t."upstreamId" AND c."tenantId" = ? AND c."env" = ?
  WHERE t."toolName" = ?`;

export type McpToolForCall = {
  tool: McpUpstreamTool;
  upstream: McpUpstream;
  /** This tenant/env's sealed credential, or null when none is set. */
  credential: { sealedHeaders: string; updatedAt: Date } | null;
};

/** One MCP-backed catalog tool with its upstream and this tenant/env's sealed credential, in one statement; null if no such tool. */
export async function findMcpToolForCall(sql: Sql, toolName: string, scope: { tenantId: string; env: string }): Promise<McpToolForCall | null> {
  const row = await sql.get(TOOL_FOR_CALL, [scope.tenantId, scope.env, toolName]);
  if (!row) return null;
  const u: Row = {};
  for (const c of Object.keys(mcpUpstreamColumns)) u[c] = row[`u_${c}`];
  const sealed = row.c_sealedHeaders;
  return {
    tool: decodeTool(row),
    upstream: decodeUpstream(u),
    credential: typeof sealed === "string" ? { sealedHeaders: sealed, updatedAt: asDate(row.c_updatedAt)! } : null,
  };
}

const PENDING = `SELECT ${columnList(mcpPendingCallColumns)} FROM "McpPendingCall" WHERE "actionId" = ?`;

export async function findMcpPendingCall(exec: Exec, actionId: string): Promise<McpPendingCall | null> {
  const row = await asSql(exec).get(PENDING, [actionId]);
  return row ? decodeMcpPendingCall(row) : null;
}
