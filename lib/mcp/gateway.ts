import "server-only";
import { db } from "@/lib/db/client";
import { sqlRead } from "@/lib/db/sql";
import { findMcpPendingCall, findMcpSession, findMcpToolForCall, type McpToolForCall } from "@/lib/db/tables/mcp";
import { findAgentCredentialById } from "@/lib/db/tables/vote";
import { AppError } from "@/lib/errors";
import type { AgentPrincipal } from "@/lib/agents/authenticate-agent";
import { credentialScope, principalOf } from "@/lib/agents/authenticate-agent";
import { appendAudit } from "@/lib/audit/append";
import { grantedTools, grantsTool, type GrantedTool } from "@/lib/catalog/granted-tools";
import { proposeAction } from "@/lib/actions/propose-action";
import { getAction, waitForAction } from "@/lib/actions/get-action";
import { reportResult } from "@/lib/actions/report-result";
import { redeemActionToken } from "@/lib/tokens/redeem-token";
import { gatewayIdempotencyKey, withheldMessage, withheldReason } from "@/lib/mcp/gateway-actions";
import { startRun } from "@/lib/runs/start-run";
import { newId } from "@/lib/crypto/new-id";
import { seal, unseal } from "@/lib/crypto/seal";
import { redactExactIn, redactSecretsIn } from "@/lib/redact/redact";
import { metrics } from "@/lib/metrics/registry";
import { callUpstreamTool, UpstreamError, type UpstreamCallResult } from "@/lib/mcp/upstream-client";
import { resultContext, resultTtlMs, runBudgetMs } from "@/lib/mcp/sweep";
import { recordHealth, syncUpstreamTools, targetFrom } from "@/lib/mcp/upstreams";
import type { ActionView } from "@/lib/api/schemas";

/** The tool the gateway adds to every route: check on (or wait for) a call that went to a human. */
export const ACTION_STATUS_TOOL = "gatehouse.action_status";

export type McpTool = {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  annotations?: Record<string, unknown>;
  execution?: { taskSupport: "optional" };
};
export type McpToolResult = { content: { type: "text"; text: string }[] | unknown[]; structuredContent?: unknown; isError?: boolean };

export type GatewaySession = { id: string; runId: string; routeName: string; credentialId: string };

function num(name: string, dflt: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v >= 0 ? v : dflt;
}
/** How long a pending call waits for the human before it answers with the action and the status tool. */
export const pendingWaitMs = () => num("GATEHOUSE_MCP_PENDING_WAIT_MS", 25_000);
const resyncMs = () => num("GATEHOUSE_MCP_RESYNC_MS", 30_000);

/** Start a session: one session is one run on the route (budgets and all), bound to this credential, kept in the database. */
export async function openSession(agent: AgentPrincipal, routeName: string, ctx: { requestId: string }): Promise<GatewaySession> {
  const run = await startRun(agent, routeName, ctx);
  const id = newId("mcps", 24);
  await db().mcpSession.create({ data: { id, credentialId: agent.credentialId, routeName, runId: run.run_id } });
  return { id, runId: run.run_id, routeName, credentialId: agent.credentialId };
}

/** The session of this id, for this credential and route only; anything else reads as no session (404, no oracle). */
export async function findSession(agent: AgentPrincipal, id: string, routeName: string): Promise<GatewaySession | null> {
  if (id.length > 100) return null;
  const s = await sqlRead((sql) => findMcpSession(sql, id));
  if (!s || s.credentialId !== agent.credentialId || s.routeName !== routeName || s.closedAt) return null;
  return { id: s.id, runId: s.runId, routeName: s.routeName, credentialId: s.credentialId };
}

/** DELETE of the session: closed for good and its run ended. */
export async function closeSession(s: GatewaySession): Promise<void> {
  await db().$transaction(async (tx) => {
    await tx.mcpSession.update({ where: { id: s.id }, data: { closedAt: new Date() } });
    await tx.run.updateMany({ where: { id: s.runId, status: "active" }, data: { status: "ended" } });
  });
}

/** The names of MCP-backed catalog tools that may be served now to this tenant/env: approved, pin unchanged, upstream active, a credential set. */
async function servable(names: string[], scope: { tenantId: string; env: string }): Promise<Set<string>> {
  const rows = await db().mcpUpstreamTool.findMany({ where: { toolName: { in: names } } });
  const upstreamIds = [...new Set(rows.map((r) => r.upstreamId))];
  const ups = new Map((await db().mcpUpstream.findMany({ where: { id: { in: upstreamIds } } })).map((u) => [u.id, u]));
  const withCred = new Set(
    (await db().mcpUpstreamCredential.findMany({ where: { tenantId: scope.tenantId, env: scope.env, upstreamId: { in: upstreamIds } }, select: { upstreamId: true } })).map(
      (c) => c.upstreamId,
    ),
  );
  return new Set(
    rows
      .filter((row) => withheldReason({ tool: row, upstreamStatus: ups.get(row.upstreamId)?.status ?? null, hasCredential: withCred.has(row.upstreamId) }) === null)
      .map((row) => row.toolName),
  );
}

type SyncState = { last: number; running: Promise<void> | null };
const gs = globalThis as unknown as { gatehouseMcpSyncs?: Map<string, SyncState> };
/** Per instance, per upstream and tenant/env: when its tools/list was last re-read, and the re-read in flight. */
const syncs = (gs.gatehouseMcpSyncs ??= new Map());

/**
 * Re-read the upstreams' tools/list now and then, so a rug pull is noticed (and the tool withheld) without an admin.
 * In the background: never awaited by the agent's request (an upstream that hangs never holds up tools/list), at most
 * one re-read in flight per upstream and tenant/env on this instance. The request serves the stored state (the pinned,
 * approved tools); a tool the re-read finds changed is withheld from the next tools/list and tools/call on.
 */
function resyncInBackground(agent: AgentPrincipal, upstreamIds: string[]): void {
  const now = Date.now();
  for (const id of upstreamIds) {
    const key = `${id}:${agent.tenantId}:${agent.env}`;
    const st = syncs.get(key) ?? { last: 0, running: null };
    if (st.running || now - st.last < resyncMs()) continue;
    st.last = now;
    st.running = (async () => {
      const u = await db().mcpUpstream.findUnique({ where: { id } });
      if (!u || u.status !== "active") return;
      await syncUpstreamTools(u, agent, { actorType: "system", actorId: null });
    })()
      .catch(() => {})
      .finally(() => {
        st.running = null;
      });
    syncs.set(key, st);
  }
}

/** Wait for this instance's background tools/list re-reads in flight (tests, shutdown). */
export async function settleBackgroundSyncs(): Promise<void> {
  await Promise.all([...syncs.values()].map((s) => s.running));
}

/** tools/list: granted-tools, only what this gateway can serve (MCP-backed, pinned, unchanged), plus the status tool. */
export async function listGatewayTools(agent: AgentPrincipal, s: GatewaySession): Promise<McpTool[]> {
  const granted = await sqlRead((sql) => grantedTools(sql, agent, s.routeName));
  const rows = await db().mcpUpstreamTool.findMany({ where: { toolName: { in: granted.map((g) => g.name) } }, select: { upstreamId: true } });
  resyncInBackground(agent, [...new Set(rows.map((r) => r.upstreamId))]);
  // A tool whose upstream has no credential for this tenant/env cannot run here: hidden, like a denied one.
  const ok = await servable(
    granted.map((g) => g.name),
    agent,
  );
  return [...granted.filter((g) => ok.has(g.name)).map(toMcpTool), statusTool()];
}

function toMcpTool(g: GrantedTool): McpTool {
  const gate = g.decision.outcome === "allowed" ? "Gatehouse: allowed." : `Gatehouse: needs approval by ${g.decision.approvals} human(s); the call waits for the decision.`;
  return {
    name: g.name,
    description: `${g.description}\n\n${gate}`,
    inputSchema: g.argsSchema,
    annotations: { readOnlyHint: g.kind === "read", destructiveHint: g.kind === "destructive" },
    // A call that waits for a human may run as an MCP task (clients that support tasks use one).
    ...(g.decision.outcome === "allowed" ? {} : { execution: { taskSupport: "optional" as const } }),
  };
}

function statusTool(): McpTool {
  return {
    name: ACTION_STATUS_TOOL,
    description:
      "Check on a tool call that went to a human for approval, and wait for it (up to wait_seconds). Once approved, Gatehouse runs the call and this returns its result.",
    inputSchema: {
      type: "object",
      properties: { action_id: { type: "string" }, wait_seconds: { type: "integer", minimum: 0, maximum: 55 } },
      required: ["action_id"],
      additionalProperties: false,
    },
    annotations: { readOnlyHint: true },
  };
}

const text = (t: string, isError = false, structured?: unknown): McpToolResult => ({
  content: [{ type: "text", text: t }],
  ...(structured ? { structuredContent: structured } : {}),
  ...(isError ? { isError } : {}),
});

/**
 * A refusal as the model reads it: the decision's reason and message, and for arguments that do not
 * match the schema each field and what is wrong with it (as the agent API's 422 says), so the model can
 * correct the call. The schema is the one tools/list serves, so naming its fields tells nothing new.
 */
export function refusalResult(err: AppError): McpToolResult {
  const issues = err.issues?.slice(0, 20);
  const detail = issues?.length ? ` ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}.` : "";
  return text(`${err.code === "denied" ? "denied" : "refused"} (${err.reason ?? err.code}): ${err.message}${detail}`, true, {
    status: err.code,
    reason_code: err.reason ?? err.code,
    message: err.message,
    ...(issues?.length ? { issues } : {}),
  });
}

/** What every audit event of a gateway call says about where it came from: the request, tenant/env, route, tool, run and credential. */
function callAuditFields(agent: AgentPrincipal, s: GatewaySession, ctx: { requestId: string }, tool: string, actionId?: string) {
  return {
    requestId: ctx.requestId,
    tenantId: agent.tenantId,
    env: agent.env,
    route: s.routeName,
    tool,
    ...(actionId ? { actionId } : {}),
    runId: s.runId,
    credentialScope: credentialScope(agent),
  };
}

function countCall(outcome: string) {
  metrics().mcpCalls.inc({ outcome });
}

export type CallContext = {
  requestId: string;
  jsonRpcId: string | number;
  signal: AbortSignal;
  progress?: (n: number, message: string) => Promise<void>;
  /** How long a call that needs a human waits here (default GATEHOUSE_MCP_PENDING_WAIT_MS; 0 for a task). */
  waitMs?: number;
};

/** tools/call: the same decision as POST /api/v1/actions, then Gatehouse runs the call on the upstream itself. */
export async function callGatewayTool(agent: AgentPrincipal, s: GatewaySession, name: string, args: Record<string, unknown>, ctx: CallContext): Promise<McpToolResult> {
  if (name === ACTION_STATUS_TOOL) return actionStatus(agent, s, args, ctx);
  // One statement: the tool, its upstream and this tenant/env's sealed credential.
  const found = await sqlRead((sql) => findMcpToolForCall(sql, name, agent));
  if (found) {
    const withheld = withheldReason({ tool: found.tool, upstreamStatus: found.upstream.status, hasCredential: found.credential !== null });
    // Why it is withheld is told only to an agent whose route grants the tool; anyone else gets the decision's
    // plain denial below (audited), as for any tool not granted: no oracle for what an upstream serves, or its state.
    if (withheld && (await sqlRead((sql) => grantsTool(sql, agent, s.routeName, name)))) {
      countCall("withheld");
      await appendAudit(db(), {
        type: "mcp.call_withheld",
        actorType: "agent",
        actorId: agent.credentialId,
        ...callAuditFields(agent, s, ctx, name),
        status: "denied",
        reason: withheld,
      });
      return text(`withheld: ${name} is not available: ${withheldMessage(withheld)}.`, true, {
        status: "denied",
        reason_code: "tool_withheld",
      });
    }
  } else if (await db().tool.findUnique({ where: { name } })) {
    return text(`${name} is not served over MCP by this gateway.`, true, { status: "denied", reason_code: "not_mcp_tool" });
  }

  let view: ActionView;
  let replay: boolean;
  try {
    ({ view, replay } = await proposeAction(
      agent,
      { run_id: s.runId, tool: name, args, idempotency_key: gatewayIdempotencyKey(s.runId, ctx.jsonRpcId) },
      { requestId: ctx.requestId },
      { executedBy: "mcp-gateway" },
    ));
  } catch (err) {
    if (err instanceof AppError) {
      countCall(err.code === "denied" ? "denied" : "invalid");
      return refusalResult(err);
    }
    throw err;
  }
  if (replay) {
    // ids restart per session, not within one: a replayed id never runs an upstream call twice.
    countCall("replayed");
    return text(`This request id was already used in this session (action ${view.action_id}); use ${ACTION_STATUS_TOOL} to see it.`, true, {
      status: "replayed",
      action_id: view.action_id,
    });
  }
  if (view.status === "allowed") return execute(agent, s, ok1(found), view, args, ctx, "allowed");

  // Pending: the raw args wait sealed (the action's stored args are redacted), then deleted after the run.
  await db().mcpPendingCall.create({ data: { actionId: view.action_id, sessionId: s.id, toolName: name, sealedArgs: seal(JSON.stringify(args), pendingContext(view.action_id)) } });
  return waitAndRun(agent, s, view.action_id, ctx.waitMs ?? pendingWaitMs(), ctx);
}

function ok1(found: McpToolForCall | null): McpToolForCall {
  if (!found) throw new AppError("not_found", "No such tool.");
  return found;
}

/** An idempotent tool's call lost on the way is tried at most this many times in all. */
const MAX_ATTEMPTS_IDEMPOTENT = 2;

const pendingContext = (actionId: string) => `mcp-pending-args:${actionId}`;

async function waitAndRun(agent: AgentPrincipal, s: GatewaySession, actionId: string, boundMs: number, ctx: CallContext): Promise<McpToolResult> {
  const deadline = Date.now() + boundMs;
  let view = await getAction(agent, actionId, ctx);
  let n = 0;
  while (view.status === "pending" && Date.now() < deadline && !ctx.signal.aborted) {
    await ctx.progress?.(++n, `Waiting for a human to approve ${view.tool} (action ${actionId}).`).catch(() => {});
    const slice = Math.min(5, Math.max(1, Math.ceil((deadline - Date.now()) / 1000)));
    view = await waitForAction(agent, actionId, slice, ctx.signal, ctx);
  }
  if (view.status === "pending") {
    countCall("pending_waiting");
    return text(
      `pending: ${view.tool} needs human approval (${view.approvals.received}/${view.approvals.required}). Action ${actionId}. Call ${ACTION_STATUS_TOOL} with {"action_id":"${actionId}"} to wait for the decision; Gatehouse runs the call once it is approved.`,
      false,
      { status: "pending", action_id: actionId, status_tool: ACTION_STATUS_TOOL },
    );
  }
  if (view.status === "approved") {
    const found = await sqlRead((sql) => findMcpToolForCall(sql, view.tool, agent));
    const result = await execute(agent, s, found, view, null, ctx, "pending_approved");
    // Claimed elsewhere (Gatehouse's runner, another instance, another status call): its answer, once written.
    if ((result.structuredContent as { status?: string } | undefined)?.status !== "running") return result;
    return (await finishedResult(actionId, deadline, ctx.signal)) ?? result;
  }
  countCall(view.status === "rejected" ? "pending_rejected" : `pending_${view.status}`);
  const why = view.status === "rejected" ? `rejected by a reviewer${view.reject_reason ? `: ${view.reject_reason}` : ""}` : `${view.status} (${view.reason_code})`;
  const result = text(`${view.tool} was not run: ${why}.`, true, { status: view.status, action_id: actionId, reason_code: view.reason_code, reject_reason: view.reject_reason });
  // Never run: the raw args are deleted; the answer is kept (sealed) for action_status and tasks/result.
  await db()
    .mcpPendingCall.updateMany({
      where: { actionId, claimedAt: null, finishedAt: null },
      data: { sealedArgs: null, finishedAt: new Date(), sealedResult: seal(JSON.stringify(result), resultContext(actionId)) },
    })
    .catch(() => {});
  return result;
}

const FINISH_POLL_MS = 50;

/** The sealed answer of a call another runner claimed, once it is written (polled until the deadline); null if not yet. */
async function finishedResult(actionId: string, deadline: number, signal: AbortSignal): Promise<McpToolResult | null> {
  for (;;) {
    const row = await sqlRead((sql) => findMcpPendingCall(sql, actionId));
    if (row?.finishedAt && row.sealedResult) return JSON.parse(unseal(row.sealedResult, resultContext(actionId))) as McpToolResult;
    if (Date.now() + FINISH_POLL_MS >= deadline || signal.aborted) return null;
    await new Promise((r) => setTimeout(r, FINISH_POLL_MS));
  }
}

/**
 * Run one approved call that nobody is running, on approval, whether or not
 * its agent is still connected (lib/mcp/runner.ts calls this for every
 * approved, unclaimed call): as the agent whose session made it (so the same
 * redemption checks apply: kill switches, a revoked credential, an ended
 * run stop it), claimed by the same conditional update as a waiting call,
 * so it runs once across instances. The answer waits sealed for
 * gatehouse.action_status and tasks/result. "skipped" when there was
 * nothing to run (claimed or decided otherwise meanwhile).
 */
export async function runApprovedCall(actionId: string, ctx: { requestId: string; signal: AbortSignal }): Promise<"ran" | "skipped"> {
  const found = await sqlRead(async (sql) => {
    const p = await findMcpPendingCall(sql, actionId);
    const session = p && !p.claimedAt && !p.finishedAt ? await findMcpSession(sql, p.sessionId) : null;
    const cred = session ? await findAgentCredentialById(sql, session.credentialId) : null;
    return session && cred ? { session, cred } : null;
  });
  if (!found) return "skipped";
  const agent = principalOf(found.cred);
  const s: GatewaySession = { id: found.session.id, runId: found.session.runId, routeName: found.session.routeName, credentialId: found.session.credentialId };
  const view = await getAction(agent, actionId, ctx);
  if (view.status !== "approved") return "skipped";
  const tool = await sqlRead((sql) => findMcpToolForCall(sql, view.tool, agent));
  const result = await execute(agent, s, tool, view, null, { ...ctx, jsonRpcId: 0 }, "approved_run");
  return (result.structuredContent as { status?: string } | undefined)?.status === "running" ? "skipped" : "ran";
}

/** An MCP task (protocol 2025-11-25, the SDK's experimental tasks): a call that went to a human, or one answered at once. */
export type McpTask = {
  taskId: string;
  status: "working" | "completed";
  statusMessage?: string;
  createdAt: string;
  lastUpdatedAt: string;
  ttl: number | null;
  pollInterval: number;
};

const TASK_POLL_MS = 2000;

/**
 * The task's wire form. `ttl` is the spec's retention from creation: a finished task (and its answer) is deleted
 * resultTtlMs after it finished (lib/mcp/sweep.ts), so that is what it says; a working one is kept until a human
 * decides and it ends, so null (no bound yet).
 */
function taskOf(id: string, createdAt: Date, finishedAt: Date | null, message?: string): McpTask {
  return {
    taskId: id,
    status: finishedAt ? "completed" : "working",
    ...(message ? { statusMessage: message } : {}),
    createdAt: createdAt.toISOString(),
    lastUpdatedAt: (finishedAt ?? createdAt).toISOString(),
    ttl: finishedAt ? Math.max(0, finishedAt.getTime() + resultTtlMs() - createdAt.getTime()) : null,
    pollInterval: TASK_POLL_MS,
  };
}

/**
 * tools/call from a client that asked for a task: the same decision; a call
 * that goes to a human becomes a task whose id is the action's (working until
 * the human decides, then Gatehouse runs it exactly once); any other answer
 * is a task that is already completed and holds it.
 */
export async function startGatewayTask(agent: AgentPrincipal, s: GatewaySession, name: string, args: Record<string, unknown>, ctx: CallContext): Promise<McpTask> {
  const result = await callGatewayTool(agent, s, name, args, { ...ctx, waitMs: 0 });
  const st = result.structuredContent as { status?: string; action_id?: string } | undefined;
  if (st?.status === "pending" && st.action_id) return taskOf(st.action_id, new Date(), null, `Waiting for a human to approve ${name}.`);
  const id = newId("mcpt", 24);
  const now = new Date();
  await db().mcpPendingCall.create({
    data: { actionId: id, sessionId: s.id, toolName: name, createdAt: now, finishedAt: now, sealedResult: seal(JSON.stringify(result), resultContext(id)) },
  });
  return taskOf(id, now, now);
}

/** tasks/get (wait 0) and tasks/result (wait up to the bound): this session's task only; a decided call runs here once. */
export async function gatewayTask(
  agent: AgentPrincipal,
  s: GatewaySession,
  taskId: string,
  waitMs: number,
  ctx: CallContext,
): Promise<{ task: McpTask; result: McpToolResult | null } | null> {
  if (taskId.length > 100) return null;
  const row = await db().mcpPendingCall.findUnique({ where: { actionId: taskId } });
  if (!row || row.sessionId !== s.id) return null;
  if (row.finishedAt) {
    const result = row.sealedResult ? (JSON.parse(unseal(row.sealedResult, resultContext(taskId))) as McpToolResult) : await actionStatus(agent, s, { action_id: taskId }, ctx);
    return { task: taskOf(taskId, row.createdAt, row.finishedAt), result };
  }
  const result = await waitAndRun(agent, s, taskId, waitMs, ctx);
  const st = (result.structuredContent as { status?: string } | undefined)?.status;
  if (st === "pending" || st === "running")
    return { task: taskOf(taskId, row.createdAt, null, st === "pending" ? "Waiting for a human to decide." : "Gatehouse is running the call."), result: null };
  // Ended here: its row says when (a call closed without running, e.g. rejected, is stamped by the sweep; until then, now).
  const ended = (await db().mcpPendingCall.findUnique({ where: { actionId: taskId }, select: { finishedAt: true } }))?.finishedAt ?? new Date();
  return { task: taskOf(taskId, row.createdAt, ended), result };
}

async function actionStatus(agent: AgentPrincipal, s: GatewaySession, args: Record<string, unknown>, ctx: CallContext): Promise<McpToolResult> {
  const id = typeof args.action_id === "string" ? args.action_id : "";
  const wait = typeof args.wait_seconds === "number" && Number.isInteger(args.wait_seconds) ? Math.min(55, Math.max(0, args.wait_seconds)) : 0;
  const pending = id ? await db().mcpPendingCall.findUnique({ where: { actionId: id } }) : null;
  // Only this session's own calls: another session's or credential's action reads as unknown.
  if (!pending || pending.sessionId !== s.id)
    return text(`There is no pending MCP call ${id.slice(0, 80)} in this session (a call's answer is kept ${Math.round(resultTtlMs() / 60_000)} minutes after it ends).`, true, {
      status: "not_found",
    });
  if (pending.finishedAt) {
    if (pending.sealedResult) return JSON.parse(unseal(pending.sealedResult, resultContext(id))) as McpToolResult;
    // Closed without running (rejected, expired, cancelled): the action says why.
    const view = await getAction(agent, id, ctx);
    const why = view.status === "rejected" ? `rejected by a reviewer${view.reject_reason ? `: ${view.reject_reason}` : ""}` : `${view.status} (${view.reason_code})`;
    return text(`${view.tool} was not run: ${why}.`, true, { status: view.status, action_id: id, reason_code: view.reason_code, reject_reason: view.reject_reason });
  }
  return waitAndRun(agent, s, id, wait * 1000, ctx);
}

/**
 * Run an allowed or approved call on the upstream: an approved one first
 * redeems Gatehouse's own single-use, args-bound token (audited; an allowed
 * one has none, its decision is its execution), call with the tenant/env's
 * credential, report status and duration. For an approved call, exactly once
 * across instances: the pending row is claimed by one conditional update.
 */
async function execute(
  agent: AgentPrincipal,
  s: GatewaySession,
  found: McpToolForCall | null,
  view: ActionView,
  rawArgs: Record<string, unknown> | null,
  ctx: CallContext,
  outcome: string,
): Promise<McpToolResult> {
  const actionId = view.action_id;
  let args = rawArgs;
  // The whole run (slot wait, connect, call, an idempotent retry) ends by this deadline: for an approved call it is
  // counted from its claim and always inside the sweep's stuck bound, so a live run is never declared failed_unknown.
  const claimedAt = new Date();
  const deadline = claimedAt.getTime() + runBudgetMs();
  if (rawArgs === null) {
    const claimed = await db().mcpPendingCall.updateMany({ where: { actionId, claimedAt: null, finishedAt: null }, data: { claimedAt } });
    if (claimed.count !== 1)
      return text(`Action ${actionId} is being run (or was run) by Gatehouse; call ${ACTION_STATUS_TOOL} for its result.`, false, { status: "running", action_id: actionId });
    const p = await db().mcpPendingCall.findUniqueOrThrow({ where: { actionId } });
    args = view.args_edited && view.args ? view.args : (JSON.parse(unseal(p.sealedArgs!, pendingContext(actionId))) as Record<string, unknown>);
  }
  // Only this claim, still open, is closed with the result: a call the sweep already closed (failed_unknown) is never
  // rewritten. Should that ever happen, the late result is audited as such, so the trail never reads failed_unknown
  // and then ok without saying why.
  /** Whether this claim is still open (always, for an allowed call, which has none): a closed one gets no action result. */
  const stillClaimed = async () => rawArgs !== null || (await db().mcpPendingCall.count({ where: { actionId, claimedAt, finishedAt: null } })) === 1;
  const finish = async (result: McpToolResult) => {
    if (rawArgs === null) {
      await db().$transaction(async (tx) => {
        const closed = await tx.mcpPendingCall.updateMany({
          where: { actionId, claimedAt, finishedAt: null },
          data: { sealedArgs: null, finishedAt: new Date(), sealedResult: seal(JSON.stringify(result), resultContext(actionId)) },
        });
        if (closed.count === 1) return;
        countCall("finished_after_close");
        await appendAudit(tx, {
          type: "mcp.call_finished_after_close",
          actorType: "system",
          actorId: "mcp-gateway",
          ...callAuditFields(agent, s, ctx, view.tool, actionId),
          status: result.isError ? "error" : "ok",
          reason: "closed_before_result",
          data: {
            claimed_at: claimedAt.toISOString(),
            note: "This run ended after the call had been closed (failed_unknown); the closed answer stands and this result is recorded only here.",
          },
        });
      });
    }
    return result;
  };
  // Approved, but no longer servable: the upstream was disabled, the tool changed upstream since an admin pinned
  // it (a rug pull between the approval and the run), its credential for this tenant/env was removed, or it left
  // the catalog. Never run on what nobody approved; closed at once with the reason (audited, args deleted) rather
  // than tried again every second.
  const withheld = withheldReason({ tool: found?.tool ?? null, upstreamStatus: found?.upstream.status ?? null, hasCredential: !!found?.credential });
  if (!found || withheld) {
    const reason = withheld ?? "not_found";
    countCall("approved_withheld");
    await appendAudit(db(), {
      type: "mcp.call_withheld",
      actorType: "system",
      actorId: "mcp-gateway",
      ...callAuditFields(agent, s, ctx, view.tool, actionId),
      status: "denied",
      reason,
    });
    return finish(
      text(`${view.tool} was approved but not run: ${withheldMessage(reason)}.`, true, { status: "not_run", action_id: actionId, reason_code: "tool_withheld", reason }),
    );
  }
  const { tool: row, upstream } = found;
  // An allowed call was decided with no token: its decision (committed, audited, budget taken) is its one execution.
  // An approved call runs on the token its approval minted, redeemed here: single use, args-bound, audited.
  if (outcome !== "allowed") {
    if (!view.token) {
      countCall("no_token");
      return finish(text(`Action ${actionId} has no usable token (${view.status}, ${view.reason_code}); not run.`, true, { status: view.status, action_id: actionId }));
    }
    try {
      await redeemActionToken({ token: view.token, tool: view.tool, args: args! }, { requestId: ctx.requestId, source: "mcp-gateway", redeemer: "mcp-gateway" });
    } catch (err) {
      // Refused (and audited by the redemption): a kill switch, a revoked credential, an ended run, a
      // cancelled action. Never run; the claim is closed with the reason, and the sealed args deleted.
      if (!(err instanceof AppError)) throw err;
      countCall("redeem_refused");
      return finish(
        text(`${view.tool} was not run: ${err.reason ?? err.code}: ${err.message}`, true, { status: "not_run", action_id: actionId, reason_code: err.reason ?? err.code }),
      );
    }
  }
  const target = found.credential ? targetFrom(upstream, agent, found.credential) : null;
  const started = performance.now();
  let result: UpstreamCallResult;
  let attempts = 0;
  try {
    if (!target) throw new UpstreamError("upstream_unavailable", `No credential is set for ${upstream.name} on this tenant and environment.`);
    // Retried once only when an admin declared the tool idempotent and the call was lost on the way (no answer, or a
    // 502/503/504): otherwise a write may have happened although its answer was lost, so it is never run twice.
    // An approved call that finds the upstream at its bound of calls in flight waits for a slot (nothing was sent, so
    // waiting is safe for any tool): a human's approval is not lost to local back-pressure. An allowed call is told at once.
    // Every wait, connect, call and retry stops at the run's deadline.
    const slotDeadline = Math.min(Date.now() + upstream.timeoutMs, deadline);
    for (;;) {
      attempts++;
      try {
        result = await callUpstreamTool(target, row.upstreamTool, args!, deadline);
        break;
      } catch (err) {
        if (outcome !== "allowed" && err instanceof UpstreamError && err.code === "upstream_busy" && Date.now() < slotDeadline) {
          attempts--;
          countCall("upstream_busy_wait");
          await new Promise((r) => setTimeout(r, Math.min(50 + Math.random() * 100, Math.max(0, slotDeadline - Date.now()))));
          continue;
        }
        if (!(row.idempotent && attempts < MAX_ATTEMPTS_IDEMPOTENT && err instanceof UpstreamError && err.retryable && Date.now() < deadline)) throw err;
        countCall("upstream_retried");
      }
    }
    void recordHealth(upstream.id, null);
  } catch (err) {
    const e = err instanceof UpstreamError ? err : new UpstreamError("upstream_unavailable", `The upstream ${upstream.name} failed.`);
    void recordHealth(upstream.id, e.message);
    // A call already closed (failed_unknown) keeps that outcome: its late end is audited by finish, not reported as a result.
    if (await stillClaimed())
      await reportResult(
        agent,
        actionId,
        { status: "error", duration_ms: Math.round(performance.now() - started), error: e.code, attempts },
        { requestId: ctx.requestId, executor: "mcp-gateway" },
      );
    countCall("upstream_error");
    return finish(text(`${e.code}: ${e.message}`, true, { status: "error", reason_code: e.code, action_id: actionId }));
  }
  // An allowed call's action was written by this request: its result is recorded without reading the row back.
  const known =
    outcome === "allowed" && view.idempotency_key
      ? {
          id: actionId,
          tenantId: agent.tenantId,
          env: agent.env,
          routeName: view.route,
          tool: view.tool,
          argsHash: view.args_hash,
          idempotencyKey: view.idempotency_key,
          runId: view.run_id,
          tokenJti: null,
        }
      : undefined;
  // A call already closed (failed_unknown) meanwhile keeps that outcome: no action result, its late end audited by finish.
  if (await stillClaimed())
    await reportResult(
      agent,
      actionId,
      { status: result.isError ? "error" : "ok", duration_ms: Math.round(performance.now() - started), attempts },
      { requestId: ctx.requestId, executor: "mcp-gateway" },
      known,
    );
  countCall(result.isError ? `${outcome}_error` : `${outcome}_ok`);
  const out: McpToolResult = {
    content: result.content,
    ...(result.structuredContent !== undefined ? { structuredContent: result.structuredContent } : {}),
    ...(result.isError ? { isError: true } : {}),
  };
  // The tenant's own credential never goes back to the agent, whatever the upstream echoes and whatever the redaction switch says.
  const safe = redactExactIn(out, Object.values(target?.headers ?? {})) as McpToolResult;
  return finish(row.redactResults ? (redactSecretsIn(safe) as McpToolResult) : safe);
}
