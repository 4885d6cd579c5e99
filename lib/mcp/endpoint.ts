import "server-only";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import {
  CallToolRequestSchema,
  ErrorCode,
  GetTaskPayloadRequestSchema,
  GetTaskRequestSchema,
  ListToolsRequestSchema,
  RELATED_TASK_META_KEY,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "@modelcontextprotocol/sdk/types.js";
import { AppError, toErrorBody } from "@/lib/errors";
import { env } from "@/lib/env";
import { authenticateAgent, type AgentPrincipal } from "@/lib/agents/authenticate-agent";
import { parseStrictJson } from "@/lib/http/parse-body";
import { requestIdFrom } from "@/lib/http/request-id";
import { MAX_JSONRPC_ID_CHARS } from "@/lib/mcp/gateway-actions";
import {
  callGatewayTool,
  closeSession,
  findSession,
  gatewayTask,
  listGatewayTools,
  openSession,
  pendingWaitMs,
  refusalResult,
  startGatewayTask,
  type GatewaySession,
} from "@/lib/mcp/gateway";

/** Bigger than any tool's args need; an over-limit body is refused (413) before it is parsed. */
export const MCP_MAX_BODY_BYTES = 256 * 1024;
const PREFIX = "/mcp/";

/** Is this request for the MCP gateway (`/mcp/<route>`)? */
export function isMcpPath(url: string | undefined): boolean {
  return !!url && url.startsWith(PREFIX);
}

function routeOf(url: string): string | null {
  const path = url.split("?")[0]!.slice(PREFIX.length);
  try {
    const name = path.split("/").map(decodeURIComponent).join("/");
    return name.length > 0 && name.length <= 100 && !name.includes("\u0000") ? name : null;
  } catch {
    return null;
  }
}

/**
 * Origin check (MCP spec, against DNS rebinding): a request that carries an
 * Origin must come from this server's public origin (GATEHOUSE_URL) or one in
 * GATEHOUSE_MCP_ALLOWED_ORIGINS (comma separated). Never from the request's own
 * Host header: a rebound name sends a Host and an Origin that agree. Agents
 * that are not browsers send no Origin.
 */
function originAllowed(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (origin === env().publicUrl) return true;
  return (process.env.GATEHOUSE_MCP_ALLOWED_ORIGINS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .includes(origin);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { "content-type": "application/json", "content-length": String(bytes.byteLength), "cache-control": "no-store", ...headers });
  res.end(bytes);
}

const rpcError = (id: unknown, code: number, message: string, data?: unknown) => ({ jsonrpc: "2.0", id: id ?? null, error: { code, message, ...(data ? { data } : {}) } });

function readBody(req: IncomingMessage): Promise<Buffer | "too_large" | "aborted"> {
  if (Number(req.headers["content-length"] ?? 0) > MCP_MAX_BODY_BYTES) return Promise.resolve("too_large");
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.byteLength;
      if (size > MCP_MAX_BODY_BYTES) {
        req.pause();
        resolve("too_large");
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks, size)));
    req.on("error", () => resolve("aborted"));
  });
}

/** The request's headers as a Web `Headers`, for the SDK transport (off the hot path). */
function headersOf(req: IncomingMessage): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") h.set(k, v);
  return h;
}

/** Read-only header lookup over node's parsed headers (names are lower-case there): no Web `Headers` built per request. */
function headerReader(req: IncomingMessage): Pick<Headers, "get"> {
  return {
    get: (name: string) => {
      const v = req.headers[name.toLowerCase()];
      return typeof v === "string" ? v : Array.isArray(v) ? v.join(", ") : null;
    },
  };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * `/mcp/<route>`: the agent's MCP endpoint (Streamable HTTP). Authentication
 * is the agent key; the session (one run) lives in the database, so any
 * instance serves any session. The SDK's transport runs per request
 * (stateless), fed a body this handler already parsed and checked.
 */
export async function handleMcp(req: IncomingMessage, res: ServerResponse, baseUrl: string): Promise<void> {
  const headers = headerReader(req);
  const requestId = requestIdFrom(headers);
  res.setHeader("x-request-id", requestId);
  const routeName = routeOf(req.url ?? "");
  if (!routeName) return sendJson(res, 400, rpcError(null, -32600, "The path does not name a route (/mcp/<route>)."));
  if (!originAllowed(req)) return sendJson(res, 403, rpcError(null, -32600, "Origin not allowed."));
  let agent: AgentPrincipal;
  try {
    agent = await authenticateAgent({ headers });
  } catch (err) {
    const { status, body } = toErrorBody(err, requestId);
    return sendJson(res, status, rpcError(null, -32001, body.error.message), status === 401 ? { "www-authenticate": "Bearer" } : {});
  }
  const sessionId = headers.get("mcp-session-id");

  if (req.method === "DELETE") {
    const s = sessionId ? await findSession(agent, sessionId, routeName) : null;
    if (!s) return sendJson(res, 404, rpcError(null, -32001, "Session not found."));
    await closeSession(s);
    res.writeHead(204);
    res.end();
    return;
  }
  if (req.method !== "POST")
    return sendJson(res, 405, rpcError(null, -32000, "Method not allowed: this gateway answers POST (and DELETE to end a session)."), { allow: "POST, DELETE" });

  const raw = await readBody(req);
  if (raw === "aborted") return;
  if (raw === "too_large") {
    res.setHeader("connection", "close");
    return sendJson(res, 413, rpcError(null, -32600, `The request is larger than ${MCP_MAX_BODY_BYTES} bytes.`));
  }
  let message: unknown;
  try {
    message = parseStrictJson(utf8.decode(raw));
  } catch {
    return sendJson(res, 400, rpcError(null, -32700, "Parse error: the body is not valid JSON."));
  }
  // JSON-RPC batches were removed from MCP (2025-06-18): one message per request keeps one decision per call.
  if (Array.isArray(message)) return sendJson(res, 400, rpcError(null, -32600, "Batch requests are not supported; send one JSON-RPC message per request."));
  if (!message || typeof message !== "object" || (message as { jsonrpc?: unknown }).jsonrpc !== "2.0") {
    return sendJson(res, 400, rpcError(null, -32600, "Invalid Request: not a JSON-RPC 2.0 message."));
  }
  const method = (message as { method?: unknown }).method;
  const rpcId = (message as { id?: unknown }).id;
  if (typeof rpcId === "string" && rpcId.length > MAX_JSONRPC_ID_CHARS)
    return sendJson(res, 400, rpcError(null, -32600, `Invalid Request: a string id is at most ${MAX_JSONRPC_ID_CHARS} characters.`));

  let session: GatewaySession | null;
  if (method === "initialize") {
    try {
      session = await openSession(agent, routeName, { requestId });
    } catch (err) {
      const { status, body } = toErrorBody(err, requestId);
      return sendJson(res, status === 500 ? 500 : 403, rpcError((message as { id?: unknown }).id, -32001, body.error.message, { reason_code: body.error.reason }));
    }
  } else {
    if (!sessionId) return sendJson(res, 400, rpcError(null, -32000, "Bad Request: Mcp-Session-Id header is required."));
    session = await findSession(agent, sessionId, routeName);
    if (!session) return sendJson(res, 404, rpcError(null, -32001, "Session not found."));
  }
  const s = session;

  // The hot path: tools/call (no progress wanted) and tools/list answered here as one JSON response, with the
  // transport's own checks and the SDK's own request schemas — no SDK Server and transport built per request.
  const params = (message as { params?: { _meta?: { progressToken?: unknown }; task?: unknown } }).params;
  const asTask = method === "tools/call" && params?.task !== undefined;
  const wantsProgress = method === "tools/call" && !asTask && params?._meta?.progressToken !== undefined;
  if ((method === "tools/call" && !wantsProgress) || method === "tools/list" || method === "tasks/get" || method === "tasks/result")
    return fastPath(req, res, agent, s, message as Record<string, unknown>, requestId);

  const server = new Server({ name: "gatehouse", version: "1" }, { capabilities: { tools: { listChanged: false }, tasks: { requests: { tools: { call: {} } } } } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: await listGatewayTools(agent, s) }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const token = request.params._meta?.progressToken;
    const args = request.params.arguments ?? {};
    try {
      return (await callGatewayTool(agent, s, request.params.name, args, {
        requestId,
        jsonRpcId: extra.requestId,
        signal: extra.signal,
        progress:
          token === undefined
            ? undefined
            : (progress, msg) => extra.sendNotification({ method: "notifications/progress", params: { progressToken: token, progress, message: msg } }),
      })) as never;
    } catch (err) {
      return errorResult(err, requestId) as never;
    }
  });
  // An SSE stream only when a call asked for progress (it may wait for a human); everything else is one JSON answer.
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: !wantsProgress });
  await server.connect(transport);
  const abort = new AbortController();
  res.once("close", () => {
    abort.abort();
    void server.close().catch(() => {});
  });
  const request = new Request(baseUrl + (req.url ?? "/"), { method: "POST", headers: headersOf(req), signal: abort.signal });
  const response = await transport.handleRequest(request, { parsedBody: message });
  const out: Record<string, string> = { "mcp-session-id": s.id };
  response.headers.forEach((v, k) => (out[k] = v));
  res.writeHead(response.status, out);
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
  } finally {
    res.end();
    void server.close().catch(() => {});
  }
}

/** The Streamable HTTP transport's request checks (as the SDK's transport makes them), for the hot path. */
function transportRefusal(req: IncomingMessage): { status: number; message: string } | null {
  const accept = req.headers.accept ?? "";
  if (!accept.includes("application/json") || !accept.includes("text/event-stream"))
    return { status: 406, message: "Not Acceptable: Client must accept both application/json and text/event-stream" };
  const ct = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (ct !== "application/json") return { status: 415, message: "Unsupported Media Type: Content-Type must be application/json" };
  const v = req.headers["mcp-protocol-version"];
  if (typeof v === "string" && !SUPPORTED_PROTOCOL_VERSIONS.includes(v))
    return { status: 400, message: `Bad Request: Unsupported protocol version: ${v} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(", ")})` };
  return null;
}

/** The tool error a refusal becomes (the model reads the code and message). */
function errorResult(err: unknown, requestId: string) {
  if (err instanceof AppError) return refusalResult(err);
  const { body } = toErrorBody(err, requestId);
  return {
    content: [{ type: "text", text: `${body.error.code}: ${body.error.message}` }],
    isError: true,
    structuredContent: { status: "error", reason_code: body.error.reason ?? body.error.code },
  };
}

async function fastPath(req: IncomingMessage, res: ServerResponse, agent: AgentPrincipal, s: GatewaySession, message: Record<string, unknown>, requestId: string): Promise<void> {
  const refused = transportRefusal(req);
  if (refused) return sendJson(res, refused.status, rpcError(null, -32000, refused.message));
  const id = message.id;
  if (typeof id !== "string" && typeof id !== "number") return sendJson(res, 400, rpcError(null, -32600, "Invalid Request: a request needs an id (string or number)."));
  const headers = { "mcp-session-id": s.id };
  const answer = (body: unknown) => sendJson(res, 200, body, headers);
  if (message.method === "tools/list") {
    if (!ListToolsRequestSchema.safeParse(message).success) return answer(rpcError(id, ErrorCode.InvalidParams, "Invalid tools/list request."));
    return answer({ jsonrpc: "2.0", id, result: { tools: await listGatewayTools(agent, s) } });
  }
  const abort = new AbortController();
  // The client went away before its answer (a pending wait stops); after a finished answer there is nothing to abort.
  res.once("close", () => {
    if (!res.writableFinished) abort.abort();
  });
  const ctx = { requestId, jsonRpcId: id, signal: abort.signal };
  const reply = (result: unknown) => {
    if (!res.writableEnded && !res.destroyed) answer({ jsonrpc: "2.0", id, result });
  };
  // MCP tasks (the SDK's experimental tasks utility): tasks/get polls, tasks/result waits for the answer.
  if (message.method === "tasks/get" || message.method === "tasks/result") {
    const get = message.method === "tasks/get";
    const p = (get ? GetTaskRequestSchema : GetTaskPayloadRequestSchema).safeParse(message);
    if (!p.success) return answer(rpcError(id, ErrorCode.InvalidParams, `Invalid ${String(message.method)} request.`));
    const taskId = p.data.params.taskId;
    const t = await gatewayTask(agent, s, taskId, get ? 0 : pendingWaitMs(), ctx);
    if (!t) return answer(rpcError(id, ErrorCode.InvalidParams, "Task not found."));
    if (get) return reply(t.task);
    if (!t.result) return answer(rpcError(id, -32000, `Task ${taskId} is not finished yet (still waiting for a human); poll tasks/get.`));
    return reply({ ...t.result, _meta: { [RELATED_TASK_META_KEY]: { taskId } } });
  }
  const parsed = CallToolRequestSchema.safeParse(message);
  if (!parsed.success)
    return answer(rpcError(id, ErrorCode.InvalidParams, `Invalid tools/call request: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`));
  const { name, arguments: args = {} } = parsed.data.params;
  try {
    if (parsed.data.params.task !== undefined) return reply({ task: await startGatewayTask(agent, s, name, args, ctx) });
    return reply(await callGatewayTool(agent, s, name, args, ctx));
  } catch (err) {
    return reply(errorResult(err, requestId));
  }
}

/** For tests and the combined server: a throw past the handler answers 500 without internals. */
export function mcpHandler(baseUrl: () => string) {
  return (req: IncomingMessage, res: ServerResponse) =>
    handleMcp(req, res, baseUrl()).catch((err: unknown) => {
      console.error("mcp request failed", err instanceof AppError ? err.message : err);
      if (!res.headersSent) sendJson(res, 500, rpcError(null, -32603, "Internal error."));
      else res.destroy();
    });
}
