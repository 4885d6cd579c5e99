import "server-only";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { failed, nodeRouter, type RouteEntry } from "@/lib/http/node-adapter";
import { buildHeaders } from "@/lib/http/build-headers";
import { isMcpPath, mcpHandler } from "@/lib/mcp/endpoint";

export type AppServerOptions = {
  /** The project directory holding the production build (.next). */
  dir: string;
  /** 0 picks a free port. */
  port: number;
  /** Interface to listen on; all interfaces when absent (as `next start`). */
  hostname?: string;
  /** Served by the bare handler; every other request goes to Next.js. */
  routes: RouteEntry[];
  /** How long close() lets in-flight requests finish before cutting connections. */
  graceMs?: number;
};

export type AppServer = { port: number; close: () => Promise<void> };

/**
 * One process, one port: the agent API through the bare node:http adapter
 * (a Next.js route handler costs about ten times the CPU per request) and
 * everything else — console, sign-in, console API, /metrics, health — through
 * Next.js's own request handler. Both run in this process, so the in-process
 * singletons on globalThis (database connection and its lock, long-poll
 * wake-ups, metrics registry, signing-key cache) are shared: a decision made
 * in the console wakes a long-poll served here.
 *
 * A path whose %-escapes do not decode is answered 400 here, whatever would
 * have served it (Next.js answers such a path with a 500).
 *
 * What the bare path does not get from Next.js: proxy.ts (request ids come
 * from lib/http/handler.ts with the same rule), gzip (small JSON; not worth
 * the CPU) and Next's RSC `Vary` header (meaningless for JSON). The build's
 * next.config.mjs headers are applied (lib/http/build-headers.ts).
 */
export async function startAppServer(o: AppServerOptions): Promise<AppServer> {
  // React and Next pick their production builds from NODE_ENV when first loaded.
  if (process.env.NODE_ENV !== "production") {
    throw new Error(`NODE_ENV is "${process.env.NODE_ENV}", but the server runs the production build: unset NODE_ENV or set it to production`);
  }
  const distDir = path.join(o.dir, ".next");
  if (!fs.existsSync(path.join(distDir, "BUILD_ID"))) {
    throw new Error(`no production build in ${distDir}: run \`npm run build\` first (\`npm start\` builds when needed)`);
  }
  const headersFor = buildHeaders(distDir);
  const shutdown = new AbortController();
  let base = "http://127.0.0.1";
  const api = nodeRouter(o.routes, () => base, { headersFor, shutdown: shutdown.signal });

  let handleNext: ((req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>) | undefined;
  let ready!: () => void;
  const prepared = new Promise<void>((r) => (ready = r));
  const mcp = mcpHandler(() => base);
  const serve = (req: http.IncomingMessage, res: http.ServerResponse) => {
    // The MCP gateway (/mcp/<route>) streams its own answers: served here, never by Next.js.
    if (isMcpPath(req.url) && !api.malformed(req)) return void mcp(req, res);
    const route = api.malformed(req) ?? api.match(req);
    const work = route && route !== "other-method" ? api.serve(req, res, route) : handleNext!(req, res);
    work.catch((err: unknown) => failed(res, err));
  };
  const server = http.createServer((req, res) => {
    if (handleNext) serve(req, res);
    else void prepared.then(() => serve(req, res));
  });

  // Bind first: a taken port fails in a moment, not after Next.js has loaded.
  await listen(server, o.port, o.hostname);
  const port = (server.address() as AddressInfo).port;
  base = `http://${o.hostname && o.hostname !== "0.0.0.0" && o.hostname !== "::" ? o.hostname : "127.0.0.1"}:${port}`;

  const { default: next } = await import("next");
  const app = next({ dev: false, dir: o.dir, hostname: o.hostname ?? "localhost", port, httpServer: server });
  try {
    await app.prepare();
  } catch (err) {
    server.close();
    throw err;
  }
  handleNext = app.getRequestHandler();
  ready();

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // Long-polls answer now with the action's current state; the agent polls again.
      shutdown.abort();
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), o.graceMs ?? 5_000);
      await closed;
      clearTimeout(cut);
      await app.close();
    })());
  return { port, close };
}

function listen(server: http.Server, port: number, hostname: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const where = `${hostname ?? "*"}:${port}`;
      if (err.code === "EADDRINUSE") reject(new Error(`port ${port} is already in use (${where}): stop the other server or set PORT`));
      else if (err.code === "EACCES") reject(new Error(`no permission to listen on ${where}: pick a port above 1023 with PORT`));
      else reject(err);
    };
    server.once("error", onError);
    server.listen(port, hostname, () => {
      server.off("error", onError);
      resolve();
    });
  });
}
