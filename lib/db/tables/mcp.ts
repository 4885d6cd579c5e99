import "server-only";
import type { Exec, McpPendingCall, McpSession, McpUpstream, McpUpstreamTool, Row, Sql } from "@/lib/db/types";
import { asSql } from "@/lib/db/sql";
import { columnList, rowDecoder, type ColumnKinds } from "@/lib/db/tables/columns";
import { asDate } from "@/lib/db/decode";
import type { ServableFacts } from "@/lib/mcp/gateway-actions";

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

const SERVABLE_FACTS = `SELECT t."status", t."approvedHash", t."observedHash", u."status" AS "upstreamStatus", c."upstreamId" AS "credUpstreamId",
    u."name" AS "upstreamName", u."lastOkAt", u."lastErrorAt"
  FROM "McpUpstreamTool" t JOIN "McpUpstream" u ON u."id" = t."upstreamId"
  LEFT JOIN "McpUpstreamCredential" c ON c."upstreamId" = t."upstreamId" AND c."tenantId" = ? AND c."env" = ?
  WHERE t."toolName" = ?`;

/** What lib/mcp/gateway-actions.ts withheldReason needs of one tool, in one statement (inside a transaction too). */
export async function findServableFacts(
  exec: Exec,
  toolName: string,
  scope: { tenantId: string; env: string },
): Promise<ServableFacts & { upstreamHealth: { name: string; lastOkAt: Date | null; lastErrorAt: Date | null } | null }> {
  const r = await asSql(exec).get(SERVABLE_FACTS, [scope.tenantId, scope.env, toolName]);
  if (!r) return { tool: null, upstreamStatus: null, hasCredential: false, upstreamHealth: null };
  return {
    tool: { status: String(r.status), approvedHash: r.approvedHash === null ? null : String(r.approvedHash), observedHash: String(r.observedHash) },
    upstreamStatus: String(r.upstreamStatus),
    hasCredential: r.credUpstreamId !== null && r.credUpstreamId !== undefined,
    upstreamHealth: { name: String(r.upstreamName), lastOkAt: asDate(r.lastOkAt), lastErrorAt: asDate(r.lastErrorAt) },
  };
}

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

const STUCK = `SELECT p."actionId", p."sessionId", p."toolName", p."claimedAt", a."tenantId", a."env", a."routeName", a."runId", a."credentialId", a."redeemedAt"
  FROM "McpPendingCall" p LEFT JOIN "Action" a ON a."id" = p."actionId"
  WHERE p."claimedAt" IS NOT NULL AND p."claimedAt" <= ? AND p."finishedAt" IS NULL ORDER BY p."claimedAt" LIMIT ?`;

export type StuckMcpCall = {
  actionId: string;
  sessionId: string;
  toolName: string;
  claimedAt: Date;
  tenantId: string | null;
  env: string | null;
  routeName: string | null;
  runId: string | null;
  credentialId: string | null;
  redeemedAt: Date | null;
};

const decodeStuck = (r: Row): StuckMcpCall => ({
  actionId: String(r.actionId),
  sessionId: String(r.sessionId),
  toolName: String(r.toolName),
  claimedAt: asDate(r.claimedAt)!,
  tenantId: (r.tenantId as string | null) ?? null,
  env: (r.env as string | null) ?? null,
  routeName: (r.routeName as string | null) ?? null,
  runId: (r.runId as string | null) ?? null,
  credentialId: (r.credentialId as string | null) ?? null,
  redeemedAt: asDate(r.redeemedAt),
});

/** Approved calls Gatehouse claimed (to run) at or before `claimedBy` and never finished: a crash between claim and result. */
export async function stuckMcpCalls(sql: Sql, claimedBy: Date, limit: number): Promise<StuckMcpCall[]> {
  return (await sql.all(STUCK, [claimedBy, limit])).map(decodeStuck);
}

const FINISH_STUCK = `UPDATE "McpPendingCall" SET "finishedAt" = ?, "sealedArgs" = NULL, "sealedResult" = ?
  WHERE "actionId" = ? AND "claimedAt" = ? AND "finishedAt" IS NULL`;

/** Close one stuck call with its (sealed) result, if no one else did: true for the one sweeper that did. */
export async function finishStuckMcpCall(exec: Exec, c: { actionId: string; claimedAt: Date; now: Date; sealedResult: string }): Promise<boolean> {
  return (await asSql(exec).run(FINISH_STUCK, [c.now, c.sealedResult, c.actionId, c.claimedAt])) === 1;
}

/** Unclaimed calls whose raw args wait sealed but whose action can no longer run (rejected, expired, cancelled, or approved past its window). */
const DEAD_ARGS = `SELECT p."actionId" FROM "McpPendingCall" p LEFT JOIN "Action" a ON a."id" = p."actionId"
  WHERE p."sealedArgs" IS NOT NULL AND p."claimedAt" IS NULL AND p."finishedAt" IS NULL
    AND (a."id" IS NULL OR a."status" IN ('rejected', 'expired', 'cancelled', 'denied')
      OR (a."status" = 'approved' AND COALESCE(a."approvalValidUntil", a."tokenExpiresAt") <= ?))
  LIMIT ?`;

export async function mcpCallsWithDeadArgs(sql: Sql, now: Date, limit: number): Promise<string[]> {
  return (await sql.all<{ actionId: string }>(DEAD_ARGS, [now, limit])).map((r) => r.actionId);
}

/** Unclaimed calls approved and still inside their window: Gatehouse runs them itself (lib/mcp/runner.ts), oldest first. */
const APPROVED_UNCLAIMED = `SELECT p."actionId" FROM "McpPendingCall" p JOIN "Action" a ON a."id" = p."actionId"
  WHERE p."finishedAt" IS NULL AND p."claimedAt" IS NULL AND p."sealedArgs" IS NOT NULL
    AND a."status" = 'approved' AND COALESCE(a."approvalValidUntil", a."tokenExpiresAt") > ?
  ORDER BY p."createdAt" LIMIT ?`;

export async function approvedUnclaimedMcpCalls(sql: Sql, now: Date, limit: number): Promise<string[]> {
  return (await sql.all<{ actionId: string }>(APPROVED_UNCLAIMED, [now, limit])).map((r) => r.actionId);
}

const DROP_ARGS = `UPDATE "McpPendingCall" SET "sealedArgs" = NULL, "finishedAt" = ? WHERE "actionId" = ? AND "claimedAt" IS NULL AND "finishedAt" IS NULL`;

/** Delete an unclaimed call's sealed args and close it (it will never run). */
export async function dropMcpCallArgs(exec: Exec, actionId: string, now: Date): Promise<boolean> {
  return (await asSql(exec).run(DROP_ARGS, [now, actionId])) === 1;
}

/** Calls finished at or before the cutoff (answer kept long enough; args long gone): a bounded batch, by the finishedAt index. */
const DELETE_FINISHED = `DELETE FROM "McpPendingCall" WHERE "actionId" IN (
  SELECT "actionId" FROM "McpPendingCall" WHERE "finishedAt" IS NOT NULL AND "finishedAt" <= ? ORDER BY "finishedAt" LIMIT ?)`;

/** Delete the rows (and sealed answers) of calls finished at or before `finishedBy`, at most `limit`; how many. */
export async function deleteFinishedMcpCalls(exec: Exec, finishedBy: Date, limit: number): Promise<number> {
  return asSql(exec).run(DELETE_FINISHED, [finishedBy, limit]);
}

/** Most running calls, and most failed-unknown ones, the admin view lists (it shows the totals beside them). */
export const MCP_VIEW_RUNNING = 100;
export const MCP_VIEW_FAILED = 50;

const RUNNING_OR_FAILED = `SELECT p."actionId", p."toolName", p."claimedAt", p."finishedAt", a."tenantId", a."env", a."routeName"
  FROM "McpPendingCall" p LEFT JOIN "Action" a ON a."id" = p."actionId"
  WHERE p."claimedAt" IS NOT NULL AND p."finishedAt" IS NULL ORDER BY p."claimedAt" LIMIT ${MCP_VIEW_RUNNING}`;
const COUNTS = `SELECT (SELECT COUNT(*) FROM "McpPendingCall" WHERE "claimedAt" IS NOT NULL AND "finishedAt" IS NULL) AS running,
  (SELECT COUNT(*) FROM "AuditEvent" WHERE "type" = 'mcp.call_failed_unknown') AS failed`;

/** How many calls are being run now, and how many the sweep has ever closed as failed-unknown. */
export async function mcpCallCounts(sql: Sql): Promise<{ running: number; failedUnknown: number }> {
  const r = await sql.get<{ running: unknown; failed: unknown }>(COUNTS);
  return { running: Number(r?.running ?? 0), failedUnknown: Number(r?.failed ?? 0) };
}

/** Calls being run now (claimed, not finished), for the admin view. */
export async function runningMcpCalls(
  sql: Sql,
): Promise<{ actionId: string; toolName: string; claimedAt: Date; tenantId: string | null; env: string | null; routeName: string | null }[]> {
  return (await sql.all(RUNNING_OR_FAILED)).map((r) => ({
    actionId: String(r.actionId),
    toolName: String(r.toolName),
    claimedAt: asDate(r.claimedAt)!,
    tenantId: (r.tenantId as string | null) ?? null,
    env: (r.env as string | null) ?? null,
    routeName: (r.routeName as string | null) ?? null,
  }));
}

const FAILED_UNKNOWN = `SELECT "actionId", "tool", "tenantId", "env", "route", "at" FROM "AuditEvent" WHERE "type" = 'mcp.call_failed_unknown' ORDER BY "seq" DESC LIMIT ${MCP_VIEW_FAILED}`;

/** The latest calls the sweep closed as failed-unknown (from their audit events), for the admin view. */
export async function failedUnknownMcpCalls(
  sql: Sql,
): Promise<{ actionId: string; tool: string | null; tenantId: string | null; env: string | null; route: string | null; at: Date }[]> {
  return (await sql.all(FAILED_UNKNOWN)).map((r) => ({
    actionId: String(r.actionId),
    tool: (r.tool as string | null) ?? null,
    tenantId: (r.tenantId as string | null) ?? null,
    env: (r.env as string | null) ?? null,
    route: (r.route as string | null) ?? null,
    at: asDate(r.at)!,
  }));
}
