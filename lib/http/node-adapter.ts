import "server-only";
import type { IncomingMessage, ServerResponse } from "node:http";
import { requestIdFrom } from "@/lib/http/request-id";
import { MAX_BODY_BYTES } from "@/lib/http/parse-body";
import { LazyAbort, NodeRequest } from "@/lib/http/node-request";
import { NodeJsonResponse } from "@/lib/http/node-json-response";
import { handler, type RouteHandler } from "@/lib/http/handler";
import { AppError } from "@/lib/errors";
import { decodeSegment, isDecodablePath } from "@/lib/http/decode-path";

export type RouteEntry = { method: string; pattern: string; handler: RouteHandler };

/** `/api/v1/actions/[id]/cancel` → `{ id: string }`: the params the router fills from a pattern's `[segments]`. */
export type PatternParams<Pattern extends string> = Pattern extends `${string}[${infer Key}]${infer Rest}` ? { [K in Key]: string } & PatternParams<Rest> : {};

/**
 * One table entry. The compiler checks that the handler's params are the ones
 * `pattern` names; the handler gets a HandlerRequest, which the router passes.
 */
export function defineRoute<Pattern extends string>(
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  pattern: Pattern,
  handler: RouteHandler<PatternParams<Pattern>>,
): RouteEntry {
  // Widening the params type is sound: match() below fills exactly the pattern's [segments].
  return { method, pattern, handler: handler as RouteHandler };
}

type Compiled = { method: string; re: RegExp; keys: string[]; handler: RouteHandler };

/** A request this router serves: the handler, its path params, and the path it matched. */
export type RouteMatch = { handler: RouteHandler; params: Record<string, string>; pathname: string };

export type NodeRouterOptions = {
  /** Headers every response carries unless the handler sets them (e.g. next.config.mjs security headers). */
  headersFor?: (pathname: string) => ReadonlyArray<readonly [string, string]>;
  /** Aborting it aborts every in-flight request's signal: long-polls answer at once on shutdown. */
  shutdown?: AbortSignal;
};

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
 * Serve the same Web-standard route handlers that Next.js serves, from bare
 * node:http: the agent API without the framework's per-request cost, and the
 * real HTTP server for integration tests.
 *
 * `match` answers "is this mine?": the exact path and method of a route, or
 * `"other-method"` when only the path matched. The caller decides what serves
 * everything else (a 404/405 here, Next.js in the combined server).
 */
export function nodeRouter(routes: RouteEntry[], baseUrl: () => string, options: NodeRouterOptions = {}) {
  const compiled = routes.map(compile);
  const inFlight = new Set<LazyAbort>();
  options.shutdown?.addEventListener("abort", () => inFlight.forEach((c) => c.abort()), { once: true });

  function match(req: IncomingMessage): RouteMatch | "other-method" | null {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const pathname = q === -1 ? url : url.slice(0, q);
    let otherMethod = false;
    for (const c of compiled) {
      const m = c.re.exec(pathname);
      if (!m) continue;
      if (c.method !== req.method) {
        otherMethod = true;
        continue;
      }
      const params: Record<string, string> = {};
      for (let i = 0; i < c.keys.length; i++) {
        const value = decodeSegment(m[i + 1]!);
        // A malformed %-escape in a path this router serves is the caller's mistake: 400, never Next.js's 500.
        if (value === null) return { handler: malformedPath, params: {}, pathname };
        params[c.keys[i]!] = value;
      }
      return { handler: c.handler, params, pathname };
    }
    return otherMethod ? "other-method" : null;
  }

  async function serve(req: IncomingMessage, res: ServerResponse, route: RouteMatch): Promise<void> {
    const abort = new LazyAbort();
    if (options.shutdown?.aborted) abort.abort();
    inFlight.add(abort);
    res.once("close", () => {
      inFlight.delete(abort);
      // Only a client that left before the answer needs telling; an abort costs ~15 µs (a DOMException).
      if (!res.writableFinished) abort.abort();
    });
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const body = hasBody ? await readBody(req, MAX_BODY_BYTES) : undefined;
    if (body === "aborted") return;
    // Node has already folded repeated headers into strings (set-cookie aside, which requests do not carry).
    const request = new NodeRequest(baseUrl() + (req.url ?? "/"), req.method ?? "GET", req.headers as Record<string, string>, () => abort.signal, body?.bytes);
    const response = await route.handler(request, { params: Promise.resolve(route.params) });
    for (const [k, v] of options.headersFor?.(route.pathname) ?? []) res.setHeader(k, v);
    res.setHeaders(response.headers);
    // The rest of an over-limit streamed body is never read: close rather than drain it.
    if (body?.truncated) res.setHeader("Connection", "close");
    const bytes = response instanceof NodeJsonResponse ? Buffer.from(response.text) : Buffer.from(await response.arrayBuffer());
    res.setHeader("Content-Length", bytes.byteLength);
    res.writeHead(response.status);
    res.end(bytes);
  }

  /** For the combined server: any path with a malformed %-escape, whoever would have served it, is answered 400 here. */
  function malformed(req: IncomingMessage): RouteMatch | null {
    const url = req.url ?? "/";
    return isDecodablePath(url) ? null : { handler: malformedPath, params: {}, pathname: url.split("?")[0]! };
  }

  return { match, malformed, serve };
}

/** The answer to a path whose %-escapes do not decode: 400 bad_request with a request id, as JSON. */
const malformedPath = handler(async () => {
  throw new AppError("bad_request", "The path has a malformed percent-escape.");
});

/** The router alone on a server: 404 for unknown paths, 405 for a known path with another method. */
export function nodeHandler(routes: RouteEntry[], baseUrl: () => string, options?: NodeRouterOptions) {
  const router = nodeRouter(routes, baseUrl, options);
  return async (req: IncomingMessage, res: ServerResponse) => {
    const route = router.malformed(req) ?? router.match(req);
    if (route && route !== "other-method") return router.serve(req, res, route).catch((err: unknown) => failed(res, err));
    const code = route ? "method_not_allowed" : "not_found";
    // Every response carries a request id, this one too (the fuzz suite checks).
    res.writeHead(route ? 405 : 404, { "content-type": "application/json", "x-request-id": requestIdOf(req) });
    res.end(JSON.stringify({ error: { code, message: "No such endpoint." } }));
  };
}

type Body = { bytes: Buffer; truncated: boolean };

/**
 * The request body as one Buffer. Reading stops just past `limit`: the
 * handlers' own reader (lib/http/parse-body.ts) then sees a body over the limit
 * and answers 413 after authentication, as under Next.js. A declared
 * Content-Length over the limit is not read here at all (parse-body refuses it
 * from the header; node:http discards the body after the response).
 */
function readBody(req: IncomingMessage, limit: number): Promise<Body | "aborted"> {
  if (Number(req.headers["content-length"] ?? 0) > limit) return Promise.resolve({ bytes: Buffer.alloc(0), truncated: false });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (result: Body | "aborted") => {
      req.off("data", onData).off("end", onEnd).off("error", onError).off("close", onError);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.byteLength;
      if (size > limit) {
        req.pause();
        done({ bytes: Buffer.concat(chunks, size), truncated: true });
      }
    };
    const onEnd = () => done({ bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), truncated: false });
    // The client went away before the body was complete: there is no one to answer.
    const onError = () => done("aborted");
    req.on("data", onData).on("end", onEnd).on("error", onError).on("close", onError);
  });
}

/** Last resort when a handler throws past lib/http/handler.ts: a 500 if nothing was sent yet. */
export function failed(res: ServerResponse, err: unknown): void {
  console.error("request failed", err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(500, { "content-type": "application/json", "x-request-id": requestIdOf(res.req) });
  res.end(JSON.stringify({ error: { code: "internal", message: "Internal error." } }));
}

function requestIdOf(req: IncomingMessage): string {
  const given = req.headers["x-request-id"];
  return requestIdFrom(new Headers(typeof given === "string" ? { "x-request-id": given } : {}));
}
