import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";

type RouteHandler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

export type RouteEntry = { method: string; pattern: string; handler: RouteHandler };

type Compiled = { method: string; re: RegExp; keys: string[]; handler: RouteHandler };

/** `/api/v1/actions/[id]` → a matcher that yields { id }. */
function compile(r: RouteEntry): Compiled {
  const keys: string[] = [];
  const source = r.pattern
    .split("/")
    .map((seg) => {
      const m = /^\[(\w+)\]$/.exec(seg);
      if (!m) return seg.replace(/[.*+?^${}()|\\]/g, "\\$&");
      keys.push(m[1]!);
      return "([^/]+)";
    })
    .join("/");
  return { method: r.method, re: new RegExp(`^${source}$`), keys, handler: r.handler };
}

/**
 * Serve the same Web-standard route handlers that Next.js serves, from a bare
 * node:http server: the agent API without the framework's per-request cost,
 * and the real HTTP server for integration tests.
 */
export function nodeHandler(routes: RouteEntry[], baseUrl: () => string) {
  const compiled = routes.map(compile);
  return async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", baseUrl());
    const method = req.method ?? "GET";
    let match: { c: Compiled; params: Record<string, string> } | undefined;
    let pathMatched = false;
    for (const c of compiled) {
      const m = c.re.exec(url.pathname);
      if (!m) continue;
      pathMatched = true;
      if (c.method !== method) continue;
      match = { c, params: Object.fromEntries(c.keys.map((k, i) => [k, decodeURIComponent(m[i + 1]!)])) };
      break;
    }
    if (!match) {
      res.writeHead(pathMatched ? 405 : 404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: pathMatched ? "method_not_allowed" : "not_found", message: "No such endpoint." } }));
      return;
    }
    const abort = new AbortController();
    res.on("close", () => abort.abort());
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (Array.isArray(v)) v.forEach((x) => headers.append(k, x));
      else if (v !== undefined) headers.set(k, v);
    }
    const hasBody = method !== "GET" && method !== "HEAD";
    const request = new Request(url, {
      method,
      headers,
      body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
      signal: abort.signal,
      ...(hasBody ? { duplex: "half" } : {}),
    } as RequestInit);
    const response = await match.c.handler(request, { params: Promise.resolve(match.params) });
    const out: Record<string, string> = {};
    response.headers.forEach((v, k) => (out[k] = v));
    res.writeHead(response.status, out);
    res.end(Buffer.from(await response.arrayBuffer()));
  };
}
