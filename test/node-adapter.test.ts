import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { freshDemoDb } from "./support/demo-db";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { nodeHandler } from "@/lib/http/node-adapter";
import { buildHeaders } from "@/lib/http/build-headers";
import { agentRoutes } from "@/lib/api/v1/routes";
import { waiterCount } from "@/lib/events/action-events";

// The bare node:http adapter as scripts/serve.ts uses it: build headers on
// every answer, bodies read into a Buffer under the JSON size limit, long-polls
// ended by a client leaving or by shutdown.

const acme = DEMO_AGENTS.find((a) => a.tenant === "acme" && a.env === "prod" && a.routes.includes("support/send"))!;
let cleanup: () => Promise<void>;
let server: http.Server;
let url: string;
const shutdown = new AbortController();
let runId: string;

type Answer = { status: number; headers: http.IncomingHttpHeaders; body: Record<string, any> };

/** One request over node:http; `chunks` are written one by one with no Content-Length (chunked). */
function request(method: string, pathname: string, opts: { body?: unknown; chunks?: string[]; signal?: AbortSignal } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const raw = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers: Record<string, string> = { authorization: `Bearer ${acme.key}` };
    if (raw !== undefined || opts.chunks) headers["content-type"] = "application/json";
    if (raw !== undefined) headers["content-length"] = String(Buffer.byteLength(raw));
    const req = http.request(url + pathname, { method, headers, signal: opts.signal, agent: false }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : null }));
    });
    req.on("error", reject);
    for (const c of opts.chunks ?? []) req.write(c);
    req.end(raw);
  });
}

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), "gh-manifest-"));
  fs.writeFileSync(
    path.join(dist, "routes-manifest.json"),
    JSON.stringify({
      basePath: "",
      headers: [
        {
          source: "/:path*",
          regex: "^(?:/((?:[^/]+?)(?:/(?:[^/]+?))*))?(?:/)?$",
          headers: [
            { key: "X-Frame-Options", value: "DENY" },
            { key: "Cache-Control", value: "from-config" },
          ],
        },
      ],
      rewrites: { beforeFiles: [], afterFiles: [], fallback: [] },
    }),
  );
  server = http.createServer(nodeHandler(agentRoutes, () => url, { headersFor: buildHeaders(dist), shutdown: shutdown.signal }));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  runId = (await request("POST", "/api/v1/runs", { body: { route: "support/send" } })).body.run_id;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await cleanup();
});

const proposePending = async (key: string) =>
  (await request("POST", "/api/v1/actions", { body: { run_id: runId, tool: "ticket.close", args: { ticket_id: "T-42" }, idempotency_key: key } })).body.action_id as string;

describe("bare node:http adapter", () => {
  it("adds the build's headers; the handler's own headers win", async () => {
    const r = await request("GET", "/.well-known/jwks.json");
    expect(r.status).toBe(200);
    expect(r.headers["x-frame-options"]).toBe("DENY");
    expect(r.headers["cache-control"]).toBe("public, max-age=60");
    expect(r.headers["x-request-id"]).toMatch(/^req_[0-9a-hjkmnp-tv-z]{10}[A-Za-z0-9_-]{16}$/);
    expect(r.headers["content-length"]).toBe(String(Buffer.byteLength(JSON.stringify(r.body))));
  });

  it("reads a chunked body with no Content-Length", async () => {
    const body = JSON.stringify({ route: "support/send" });
    const r = await request("POST", "/api/v1/runs", { chunks: [body.slice(0, 5), body.slice(5)] });
    expect(r.status).toBe(201);
  });

  it("a chunked body over 64 KB is 413, the connection is closed, and the server keeps serving", async () => {
    const big = `{"run_id":"${runId}","tool":"kb.search","idempotency_key":"chunked-big","args":{"query":"${"x".repeat(70_000)}"}}`;
    const r = await request("POST", "/api/v1/actions", { chunks: [big.slice(0, 40_000), big.slice(40_000)] });
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe("payload_too_large");
    expect(r.headers.connection).toBe("close");
    expect((await request("GET", "/.well-known/jwks.json")).status).toBe(200);
  });

  it("a long-poll whose client leaves stops waiting", async () => {
    const id = await proposePending("leaves");
    const client = new AbortController();
    const poll = request("GET", `/api/v1/actions/${id}?wait=55`, { signal: client.signal }).catch(() => "left");
    await vi.waitFor(() => expect(waiterCount()).toBe(1));
    client.abort();
    expect(await poll).toBe("left");
    await vi.waitFor(() => expect(waiterCount()).toBe(0));
  });

  it("shutdown answers in-flight long-polls at once with the current state", async () => {
    const id = await proposePending("shutdown");
    const poll = request("GET", `/api/v1/actions/${id}?wait=55`);
    await vi.waitFor(() => expect(waiterCount()).toBe(1));
    shutdown.abort();
    const r = await poll;
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ action_id: id, status: "pending" });
    expect(waiterCount()).toBe(0);
  });
});

describe("build headers", () => {
  const manifest = (m: object) => {
    const dist = fs.mkdtempSync(path.join(os.tmpdir(), "gh-manifest-"));
    fs.writeFileSync(path.join(dist, "routes-manifest.json"), JSON.stringify(m));
    return dist;
  };

  it("applies only the rules whose pattern matches the path", () => {
    const headersFor = buildHeaders(
      manifest({
        headers: [
          { source: "/api/:p*", regex: "^/api(?:/.*)?$", headers: [{ key: "A", value: "1" }] },
          { source: "/x", regex: "^/x$", headers: [{ key: "B", value: "2" }] },
        ],
      }),
    );
    expect(headersFor("/api/v1/runs")).toEqual([["A", "1"]]);
    expect(headersFor("/.well-known/jwks.json")).toEqual([]);
  });

  it.each([
    ["a base path", { basePath: "/gh" }, /basePath/],
    ["rewrites", { rewrites: { beforeFiles: [{ source: "/a", destination: "/b" }], afterFiles: [], fallback: [] } }, /rewrites/],
    ["a conditional rule", { headers: [{ source: "/:path*", regex: "^/.*$", has: [{ type: "header", key: "x" }], headers: [] }] }, /conditional/],
  ])("refuses %s rather than ignore it", (_l, m, message) => {
    expect(() => buildHeaders(manifest(m))).toThrow(message);
  });
});
