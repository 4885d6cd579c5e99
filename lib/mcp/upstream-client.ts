import "server-only";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import http from "node:http";
import https from "node:https";
import { StringDecoder } from "node:string_decoder";
import { CallToolResultSchema, ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { credentialEnv, stdioCommand } from "@/lib/mcp/stdio-config";
import { metrics } from "@/lib/metrics/registry";
import { redactExactIn, redactSecrets } from "@/lib/redact/redact";

/** Where and how to reach one upstream for one tenant/env (the headers are the unsealed credential, never logged). */
export type UpstreamTarget = {
  upstreamId: string;
  name: string;
  transport: string;
  url: string | null;
  stdioCommand: string | null;
  headers: Record<string, string>;
  /** Changes when the credential or the upstream's row changes: a new connection. */
  version: string;
  timeoutMs: number;
  maxConcurrent: number;
};

/** A failure talking to an upstream, with a message safe to show the agent (no credential, no upstream internals). */
export class UpstreamError extends Error {
  constructor(
    readonly code: "upstream_unavailable" | "upstream_timeout" | "upstream_busy" | "upstream_bad_response",
    message: string,
    /** The call failed on the way (connection refused or lost before any answer, a 502/503/504): a tool declared idempotent may be tried again. */
    readonly retryable = false,
  ) {
    super(message);
  }
}

/**
 * One connection to an upstream (per upstream and credential): the SDK Client
 * (initialize, tools/list), and for Streamable HTTP a keep-alive agent that
 * the hot path (tools/call) posts on directly with the session the Client
 * negotiated — no fetch and web streams per call.
 */
type Conn = {
  key: string;
  client: Promise<Client>;
  active: number;
  dropped?: boolean;
  /** An answer went past MAX_RESULT_BYTES: the connection was closed, and what was waiting on it is a bad response. */
  oversize?: boolean;
  http?: { transport: StreamableHTTPClientTransport; agent: http.Agent; url: URL; nextId: number };
};
const g = globalThis as unknown as { gatehouseMcpConns?: Map<string, Conn>; gatehouseMcpInFlight?: Map<string, number> };
const conns = (g.gatehouseMcpConns ??= new Map());
/**
 * Calls in flight per upstream on this instance, whatever the connection: every tenant/env's credential and an old
 * connection still draining after a rotation share the one bound (`maxConcurrent` is per upstream, per instance).
 */
const inFlight = (g.gatehouseMcpInFlight ??= new Map());

function transportFor(t: UpstreamTarget, onOversize: () => void) {
  if (t.transport === "http") {
    if (!t.url) throw new UpstreamError("upstream_unavailable", `The upstream ${t.name} has no URL.`);
    return new StreamableHTTPClientTransport(new URL(t.url), { requestInit: { headers: t.headers }, fetch: cappedFetch(onOversize) });
  }
  return stdioTransport(t);
}

/**
 * fetch for the SDK Client (initialize, tools/list over Streamable HTTP): a response body past MAX_RESULT_BYTES
 * errors and calls onOversize (which closes the connection, so nothing waits on it), never read to the end.
 */
function cappedFetch(onOversize: () => void): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    if (!res.body) return res;
    let size = 0;
    const body = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          size += chunk.byteLength;
          if (size > MAX_RESULT_BYTES) {
            onOversize();
            controller.error(new Error("upstream response too large"));
            return;
          }
          controller.enqueue(chunk);
        },
      }),
    );
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

function stdioTransport(t: UpstreamTarget) {
  if (t.transport === "stdio") {
    const cmd = t.stdioCommand ? stdioCommand(t.stdioCommand) : null;
    if (!cmd) throw new UpstreamError("upstream_unavailable", `The upstream ${t.name} names a stdio command this server is not configured with.`);
    // The credential goes to a stdio server as environment variables (header names upper-cased, "-" → "_"), only those
    // its server configuration lists (credential_env): never PATH, NODE_OPTIONS and the like, never the command's own env.
    const { env: credEnv, refused } = credentialEnv(cmd, t.headers);
    if (refused.length)
      throw new UpstreamError("upstream_unavailable", `The credential for ${t.name} sets variables its stdio command does not accept (credential_env); not started.`);
    // One stdio message past MAX_RESULT_BYTES: the SDK's read buffer refuses it and closes the transport.
    return new StdioClientTransport({
      command: cmd.command,
      args: cmd.args,
      env: { PATH: process.env.PATH ?? "", ...cmd.env, ...credEnv },
      stderr: "ignore",
      maxBufferSize: MAX_RESULT_BYTES,
    });
  }
  throw new UpstreamError("upstream_unavailable", `The upstream ${t.name} has an unknown transport.`);
}

/** An upstream's words for the server log: this target's credential values and any secret pattern masked, one bounded line. */
function logSafe(message: string, t: UpstreamTarget): string {
  return redactSecrets(redactExactIn(message, Object.values(t.headers)) as string)
    .replace(/[\r\n]+/g, " ")
    .slice(0, 500);
}

function withTimeout<T>(p: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UpstreamError("upstream_timeout", `The upstream ${name} did not answer within ${ms} ms.`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function connection(t: UpstreamTarget): Conn {
  const id = `${t.upstreamId}\u0000${t.version}`;
  let c = conns.get(id);
  if (c) return c;
  const client = new Client({ name: "gatehouse", version: "1" });
  const oversize = () => {
    conn.oversize = true;
    void client.close().catch(() => {});
  };
  const transport = transportFor(t, oversize);
  const conn: Conn = {
    key: id,
    active: 0,
    client: withTimeout(
      client.connect(transport).then(() => {
        if (transport instanceof StdioClientTransport) {
          // The SDK reports a stdio message past its read buffer's bound here (then closes the transport).
          const prev = transport.onerror;
          transport.onerror = (e) => {
            if (/exceeded maximum size/.test(e.message)) conn.oversize = true;
            prev?.(e);
          };
        }
        return client;
      }),
      t.timeoutMs,
      t.name,
    ),
  };
  if (transport instanceof StreamableHTTPClientTransport) {
    const Agent = t.url!.startsWith("https:") ? https.Agent : http.Agent;
    conn.http = { transport, agent: new Agent({ keepAlive: true, maxSockets: t.maxConcurrent }), url: new URL(t.url!), nextId: 1 };
  }
  conn.client.catch(() => drop(conn));
  client.onclose = () => drop(conn);
  conns.set(id, conn);
  return conn;
}

/** New calls reconnect; the old connection closes once its in-flight calls are done (one failure never fails the others). */
function drop(conn: Conn): void {
  if (conns.get(conn.key) === conn) conns.delete(conn.key);
  conn.dropped = true;
  if (conn.active === 0) closeConn(conn);
}

function closeConn(conn: Conn): void {
  conn.http?.agent.destroy();
  void conn.client.then((c) => c.close()).catch(() => {});
}

/** Close every upstream connection of this process (tests, shutdown). */
export async function closeUpstreamConnections(): Promise<void> {
  const all = [...conns.values()];
  conns.clear();
  for (const c of all) c.http?.agent.destroy();
  await Promise.allSettled(all.map((c) => c.client.then((x: Client) => x.close())));
}

/** Transport failures before any answer arrived (node's socket errors). */
const LOST = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ECONNABORTED", "EHOSTUNREACH", "ENETUNREACH"]);

function asUpstreamError(err: unknown, t: UpstreamTarget): UpstreamError {
  if (err instanceof UpstreamError) return err;
  if (err instanceof McpError && err.code === ErrorCode.RequestTimeout)
    return new UpstreamError("upstream_timeout", `The upstream ${t.name} did not answer within ${t.timeoutMs} ms.`);
  const code = (err as { code?: unknown } | null)?.code;
  const lost = (typeof code === "string" && LOST.has(code)) || (err instanceof Error && err.message === "socket hang up");
  return new UpstreamError("upstream_unavailable", `The upstream ${t.name} could not be reached or failed.`, lost);
}

/**
 * Run one operation against an upstream: at most `maxConcurrent` at once per
 * upstream on this instance, across all its tenants' connections (more are
 * refused at once, never queued into a hang), bounded by `timeoutMs`. A
 * failure drops the connection so the next call reconnects.
 */
async function withUpstream<T>(t: UpstreamTarget, op: string, fn: (c: Client, signal: AbortSignal, conn: Conn, timeoutMs: number) => Promise<T>, deadline?: number): Promise<T> {
  // One timer for the connect and the operation together, never past the caller's deadline.
  const ms = Math.min(t.timeoutMs, deadline === undefined ? Infinity : Math.floor(deadline - Date.now()));
  if (ms <= 0) throw new UpstreamError("upstream_timeout", `The upstream ${t.name} could not be called within this call's time limit.`);
  // The bound is on tools/call. A tools/list (an admin's sync, the background re-read: at most one per upstream ×
  // tenant/env per instance) takes no slot, so a hanging re-read never turns an agent's call away as busy.
  const counted = op === "tools/call";
  if (counted) {
    const busy = inFlight.get(t.upstreamId) ?? 0;
    if (busy >= t.maxConcurrent) throw new UpstreamError("upstream_busy", `The upstream ${t.name} already has ${t.maxConcurrent} calls in flight; try again shortly.`);
    inFlight.set(t.upstreamId, busy + 1);
  }
  let conn: Conn;
  try {
    conn = connection(t);
  } catch (err) {
    if (counted) release(t.upstreamId);
    throw err;
  }
  conn.active++;
  const started = performance.now();
  const abort = new AbortController();
  try {
    const out = await withTimeout(
      conn.client.then((client) => {
        // Connected after the time ran out: nothing is sent.
        if (abort.signal.aborted) throw new UpstreamError("upstream_timeout", `The upstream ${t.name} did not answer within ${ms} ms.`);
        return fn(client, abort.signal, conn, ms);
      }),
      ms,
      t.name,
    );
    metrics().mcpUpstreamLatency.observe({ upstream: t.name, op, outcome: "ok" }, (performance.now() - started) / 1000);
    return out;
  } catch (err) {
    abort.abort();
    metrics().mcpUpstreamLatency.observe({ upstream: t.name, op, outcome: "error" }, (performance.now() - started) / 1000);
    // A tool's own error result is not an exception; a timeout or transport failure is: reconnect next time.
    if (!(err instanceof UpstreamError && err.code === "upstream_busy")) drop(conn);
    // The SDK's message may quote the upstream's error body, which may echo the credential: masked before it is logged.
    if (conn.oversize) throw tooLarge(t);
    if (!(err instanceof UpstreamError)) console.error(`mcp upstream ${t.name} ${op} failed:`, err instanceof Error ? logSafe(err.message, t) : "error");
    throw asUpstreamError(err, t);
  } finally {
    if (counted) release(t.upstreamId);
    conn.active--;
    if (conn.dropped && conn.active === 0) closeConn(conn);
  }
}

function release(upstreamId: string): void {
  const n = (inFlight.get(upstreamId) ?? 1) - 1;
  if (n > 0) inFlight.set(upstreamId, n);
  else inFlight.delete(upstreamId);
}

export type UpstreamToolInfo = {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  annotations?: { readOnlyHint?: boolean; destructiveHint?: boolean; idempotentHint?: boolean };
};

/** The upstream's tools/list (every page). */
export async function listUpstreamTools(t: UpstreamTarget): Promise<UpstreamToolInfo[]> {
  return withUpstream(t, "tools/list", async (c, signal) => {
    const out: UpstreamToolInfo[] = [];
    let cursor: string | undefined;
    let size = 0;
    for (let page = 0; page < 50; page++) {
      const r = await c.listTools(cursor ? { cursor } : {}, { signal, timeout: t.timeoutMs });
      // Each page is bounded by the capped fetch (HTTP) or the read buffer (stdio); all pages together by this.
      size += JSON.stringify(r.tools).length;
      if (size > MAX_RESULT_BYTES) throw tooLarge(t);
      for (const tool of r.tools)
        out.push({ name: tool.name, description: tool.description ?? "", inputSchema: tool.inputSchema as Record<string, unknown>, annotations: tool.annotations });
      cursor = r.nextCursor;
      if (!cursor) break;
    }
    return out;
  });
}

export type UpstreamCallResult = { content: unknown[]; structuredContent?: unknown; isError: boolean };

/**
 * An upstream answer larger than this is refused (a result the model reads, not a bulk transfer): each tools/call
 * answer (HTTP or stdio), each HTTP response the SDK Client reads (initialize, tools/list), each stdio message, and a
 * whole tools/list (all its pages together).
 */
const MAX_RESULT_BYTES = 4 * 1024 * 1024;

const tooLarge = (t: UpstreamTarget) =>
  new UpstreamError("upstream_bad_response", `The upstream ${t.name} answered with more than ${MAX_RESULT_BYTES / (1024 * 1024)} MiB; refused.`);

const badResponse = (t: UpstreamTarget) => new UpstreamError("upstream_bad_response", `The upstream ${t.name} answered with something that is not an MCP tool result.`);

/** A tool result as the SDK's own schema reads it; anything else is a bad response. */
function toolResult(t: UpstreamTarget, r: unknown): UpstreamCallResult {
  const parsed = CallToolResultSchema.safeParse(r);
  if (!parsed.success || !Array.isArray(parsed.data.content)) throw badResponse(t);
  return { content: parsed.data.content, structuredContent: parsed.data.structuredContent, isError: parsed.data.isError === true };
}

/**
 * tools/call as one POST on the connection's keep-alive agent, in the session
 * the SDK Client negotiated (Streamable HTTP: a JSON answer, or an SSE stream
 * whose message with our id is the answer). Never retried.
 */
function postToolCall(t: UpstreamTarget, h: NonNullable<Conn["http"]>, tool: string, args: Record<string, unknown>, signal: AbortSignal): Promise<UpstreamCallResult> {
  const id = h.nextId++;
  const body = Buffer.from(JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name: tool, arguments: args } }));
  const headers: Record<string, string> = {
    ...t.headers,
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "content-length": String(body.byteLength),
  };
  if (h.transport.sessionId) headers["mcp-session-id"] = h.transport.sessionId;
  if (h.transport.protocolVersion) headers["mcp-protocol-version"] = h.transport.protocolVersion;
  const url = h.url;
  const request = url.protocol === "https:" ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers, agent: h.agent, signal }, (res) => {
      const type = String(res.headers["content-type"] ?? "");
      if (res.statusCode !== 200) {
        res.resume();
        const s = res.statusCode ?? 0;
        reject(new UpstreamError("upstream_unavailable", `The upstream ${t.name} could not be reached or failed.`, s === 502 || s === 503 || s === 504));
        return;
      }
      const sse = type.includes("text/event-stream");
      const chunks: Buffer[] = [];
      // An SSE stream is read event by event: each new chunk's bytes are decoded once, and only the events it
      // completes are parsed (never the whole stream again per chunk); the unfinished tail waits for the next chunk.
      const decoder = new StringDecoder("utf8");
      let tail = "";
      let size = 0;
      res.on("data", (c: Buffer) => {
        if (settled) return;
        size += c.byteLength;
        if (size > MAX_RESULT_BYTES) {
          req.destroy();
          reject(tooLarge(t));
          return;
        }
        if (!sse) return void chunks.push(c);
        tail += decoder.write(c);
        const events = tail.split(SSE_EVENT_END);
        tail = events.pop()!;
        const found = sseAnswer(events, id);
        // An SSE stream may stay open after the answer: settle as soon as it is in.
        if (found !== undefined) {
          settle(found);
          res.destroy();
        }
      });
      res.on("end", () => {
        if (sse) return settle(sseAnswer([tail + decoder.end()], id) ?? null);
        let msg: unknown;
        try {
          msg = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          msg = null;
        }
        settle(msg);
      });
      res.on("error", (e) => reject(e));
    });
    let settled = false;
    const settle = (msg: unknown) => {
      if (settled) return;
      settled = true;
      const m = msg as { id?: unknown; result?: unknown; error?: { code?: unknown; message?: unknown } } | null;
      if (!m || typeof m !== "object" || m.id !== id) return reject(badResponse(t));
      if (m.error) return reject(new UpstreamError("upstream_unavailable", `The upstream ${t.name} refused the call.`));
      try {
        resolve(toolResult(t, m.result));
      } catch (e) {
        reject(e);
      }
    };
    req.on("error", (e) => reject(e));
    req.end(body);
  });
}

const SSE_EVENT_END = /\r?\n\r?\n/;

/** The JSON-RPC message with this id among these complete SSE events, if it is one of them. */
function sseAnswer(events: string[], id: number): unknown {
  for (const event of events) {
    const data = event
      .split(/\r?\n/)
      .filter((l) => l.startsWith("data:"))
      .map((l) => l.slice(5).replace(/^ /, ""))
      .join("\n");
    if (!data) continue;
    try {
      const m = JSON.parse(data) as { id?: unknown };
      if (m && m.id === id) return m;
    } catch {
      /* a malformed or foreign event */
    }
  }
  return undefined;
}

/**
 * One tools/call on the upstream; the SDK's schema validates the answer (garbage is an upstream_bad_response).
 * `deadline` (epoch ms): the connect and the call together never run past it (an approved call's whole run has one).
 */
export async function callUpstreamTool(t: UpstreamTarget, tool: string, args: Record<string, unknown>, deadline?: number): Promise<UpstreamCallResult> {
  return withUpstream(
    t,
    "tools/call",
    async (c, signal, conn, ms) => {
      if (conn.http) return postToolCall(t, conn.http, tool, args, signal);
      let r;
      try {
        r = await c.callTool({ name: tool, arguments: args }, undefined, { signal, timeout: ms });
      } catch (err) {
        if (err instanceof Error && /invalid|parse|schema|expected/i.test(err.message) && !/timed out/i.test(err.message)) throw badResponse(t);
        throw err;
      }
      if (!Array.isArray(r.content)) throw badResponse(t);
      // A stdio answer is one message (bounded by the read buffer), checked again as the result it is.
      if (JSON.stringify(r).length > MAX_RESULT_BYTES) throw tooLarge(t);
      return { content: r.content, structuredContent: r.structuredContent, isError: r.isError === true };
    },
    deadline,
  );
}
