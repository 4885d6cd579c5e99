import "server-only";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { stdioCommand } from "@/lib/mcp/stdio-config";
import { metrics } from "@/lib/metrics/registry";

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
  ) {
    super(message);
  }
}

type Conn = { key: string; client: Promise<Client>; active: number; dropped?: boolean };
const g = globalThis as unknown as { gatehouseMcpConns?: Map<string, Conn> };
const conns = (g.gatehouseMcpConns ??= new Map());

function transportFor(t: UpstreamTarget) {
  if (t.transport === "http") {
    if (!t.url) throw new UpstreamError("upstream_unavailable", `The upstream ${t.name} has no URL.`);
    return new StreamableHTTPClientTransport(new URL(t.url), { requestInit: { headers: t.headers } });
  }
  if (t.transport === "stdio") {
    const cmd = t.stdioCommand ? stdioCommand(t.stdioCommand) : null;
    if (!cmd) throw new UpstreamError("upstream_unavailable", `The upstream ${t.name} names a stdio command this server is not configured with.`);
    // The credential goes to a stdio server as environment variables (header names upper-cased, "-" → "_").
    const credEnv = Object.fromEntries(Object.entries(t.headers).map(([k, v]) => [k.toUpperCase().replace(/-/g, "_"), v]));
    return new StdioClientTransport({ command: cmd.command, args: cmd.args, env: { PATH: process.env.PATH ?? "", ...cmd.env, ...credEnv }, stderr: "ignore" });
  }
  throw new UpstreamError("upstream_unavailable", `The upstream ${t.name} has an unknown transport.`);
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
  const conn: Conn = {
    key: id,
    active: 0,
    client: withTimeout(
      client.connect(transportFor(t)).then(() => client),
      t.timeoutMs,
      t.name,
    ),
  };
  conn.client.catch(() => drop(conn));
  client.onclose = () => drop(conn);
  conns.set(id, conn);
  return conn;
}

/** New calls reconnect; the old connection closes once its in-flight calls are done (one failure never fails the others). */
function drop(conn: Conn): void {
  if (conns.get(conn.key) === conn) conns.delete(conn.key);
  conn.dropped = true;
  if (conn.active === 0) void conn.client.then((c) => c.close()).catch(() => {});
}

/** Close every upstream connection of this process (tests, shutdown). */
export async function closeUpstreamConnections(): Promise<void> {
  const all = [...conns.values()];
  conns.clear();
  await Promise.allSettled(all.map((c) => c.client.then((x: Client) => x.close())));
}

function asUpstreamError(err: unknown, t: UpstreamTarget): UpstreamError {
  if (err instanceof UpstreamError) return err;
  if (err instanceof McpError && err.code === ErrorCode.RequestTimeout)
    return new UpstreamError("upstream_timeout", `The upstream ${t.name} did not answer within ${t.timeoutMs} ms.`);
  return new UpstreamError("upstream_unavailable", `The upstream ${t.name} could not be reached or failed.`);
}

/**
 * Run one operation against an upstream: at most `maxConcurrent` at once per
 * upstream (more are refused at once, never queued into a hang), bounded by
 * `timeoutMs`. A failure drops the connection so the next call reconnects.
 */
async function withUpstream<T>(t: UpstreamTarget, op: string, fn: (c: Client, signal: AbortSignal) => Promise<T>): Promise<T> {
  const conn = connection(t);
  if (conn.active >= t.maxConcurrent) throw new UpstreamError("upstream_busy", `The upstream ${t.name} already has ${t.maxConcurrent} calls in flight; try again shortly.`);
  conn.active++;
  const started = performance.now();
  const abort = new AbortController();
  try {
    const client = await conn.client;
    const out = await withTimeout(fn(client, abort.signal), t.timeoutMs, t.name);
    metrics().mcpUpstreamLatency.observe({ upstream: t.name, op, outcome: "ok" }, (performance.now() - started) / 1000);
    return out;
  } catch (err) {
    abort.abort();
    metrics().mcpUpstreamLatency.observe({ upstream: t.name, op, outcome: "error" }, (performance.now() - started) / 1000);
    // A tool's own error result is not an exception; a timeout or transport failure is: reconnect next time.
    if (!(err instanceof UpstreamError && err.code === "upstream_busy")) drop(conn);
    if (!(err instanceof UpstreamError)) console.error(`mcp upstream ${t.name} ${op} failed:`, err instanceof Error ? err.message : "error");
    throw asUpstreamError(err, t);
  } finally {
    conn.active--;
    if (conn.dropped && conn.active === 0) void conn.client.then((c) => c.close()).catch(() => {});
  }
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
    for (let page = 0; page < 50; page++) {
      const r = await c.listTools(cursor ? { cursor } : {}, { signal, timeout: t.timeoutMs });
      for (const tool of r.tools)
        out.push({ name: tool.name, description: tool.description ?? "", inputSchema: tool.inputSchema as Record<string, unknown>, annotations: tool.annotations });
      cursor = r.nextCursor;
      if (!cursor) break;
    }
    return out;
  });
}

export type UpstreamCallResult = { content: unknown[]; structuredContent?: unknown; isError: boolean };

/** One tools/call on the upstream; the SDK validates the answer's shape (garbage is an upstream_bad_response). */
export async function callUpstreamTool(t: UpstreamTarget, tool: string, args: Record<string, unknown>): Promise<UpstreamCallResult> {
  return withUpstream(t, "tools/call", async (c, signal) => {
    let r;
    try {
      r = await c.callTool({ name: tool, arguments: args }, undefined, { signal, timeout: t.timeoutMs });
    } catch (err) {
      if (err instanceof Error && /invalid|parse|schema|expected/i.test(err.message) && !/timed out/i.test(err.message)) {
        throw new UpstreamError("upstream_bad_response", `The upstream ${t.name} answered with something that is not an MCP tool result.`);
      }
      throw err;
    }
    if (!Array.isArray(r.content)) throw new UpstreamError("upstream_bad_response", `The upstream ${t.name} answered with something that is not an MCP tool result.`);
    return { content: r.content, structuredContent: r.structuredContent, isError: r.isError === true };
  });
}
