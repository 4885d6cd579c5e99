import http from "node:http";
import type { AddressInfo, LookupFunction } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "../support/demo-db";
import { startAgentServer } from "../support/agent-server";
import { makeRoute, makeUser } from "../support/fixtures";
import { db } from "@/lib/db/client";
import { createCredential } from "@/lib/agents/create-credential";
import { voteOnAction } from "@/lib/actions/vote-on-action";
import { deliverDue } from "@/lib/webhooks/deliver";
import { encode } from "next-auth/jwt";
import { env } from "@/lib/env";
import { sessionCookieName } from "@/lib/auth/session-cookie";
import { call, demoAgent, stateCounts } from "./helpers";

// Threat: the model (or text it read) crafts requests to reach another
// tenant, a tool it was not given, or the server's own internals. Every
// refused request here must also leave Action/Run/IssuedToken untouched.

const acme = demoAgent("acme", "prod", "support/send");
const acmeStaging = demoAgent("acme", "staging", "support/send");
const globex = demoAgent("globex", "prod", "support/send");

let cleanup: () => Promise<void>;
let server: { url: string; close: () => Promise<void> };
let runId: string;
let n = 0;

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  server = await startAgentServer();
  runId = (await call(server.url, "POST", "/api/v1/runs", acme.key, { route: "support/send" })).body.run_id;
});
afterAll(async () => {
  await server.close();
  await cleanup();
});

const post = (path: string, body?: unknown, key: string = acme.key, raw?: string) => call(server.url, "POST", path, key, body, { raw });
const propose = (over: Record<string, unknown> = {}, key = acme.key) =>
  post("/api/v1/actions", { run_id: runId, tool: "kb.search", args: { query: "q" }, idempotency_key: `surf-${++n}`, ...over }, key);

/** Nothing a decision writes changed (audit rows may be added for audited denials). */
async function unchanged<T>(fn: () => Promise<T>): Promise<T> {
  const before = await stateCounts();
  const out = await fn();
  const after = await stateCounts();
  expect({ ...after, audit: 0 }).toEqual({ ...before, audit: 0 });
  return out;
}

describe("scope comes from the credential, never the body", () => {
  it("every body-reading agent endpoint refuses tenant/env fields", async () => {
    const p = await propose();
    for (const field of ["tenant", "env", "tenantId", "tenant_id", "environment"]) {
      await unchanged(async () => {
        expect((await post("/api/v1/runs", { route: "support/send", [field]: "globex" })).status).toBe(400);
        expect((await propose({ [field]: "prod" })).status).toBe(400);
        expect((await post(`/api/v1/actions/${p.body.action_id}/result`, { status: "ok", duration_ms: 1, [field]: "globex" })).status).toBe(400);
      });
    }
  });
});

describe("only an agent key opens the agent API", () => {
  it("a console session cookie, a run token or an action token as the bearer is 401 and changes nothing", async () => {
    const uid = await makeUser("surface-admin@example.com", ["admin", "reviewer", "oncall"]);
    const cookie = `${sessionCookieName()}=${await encode({ token: { sub: uid }, secret: env().sessionSecret, maxAge: 3600 })}`;
    const run = await post("/api/v1/runs", { route: "support/send" });
    const allowed = await propose();
    await unchanged(async () => {
      const viaCookie = await call(server.url, "POST", "/api/v1/runs", null, { route: "support/send" }, { headers: { cookie } });
      expect(viaCookie.status).toBe(401);
      for (const bearer of [run.body.run_token as string, allowed.body.token as string, acme.key.toUpperCase(), acme.key.slice(0, -1)]) {
        expect((await post("/api/v1/runs", { route: "support/send" }, bearer)).status).toBe(401);
        expect((await call(server.url, "GET", `/api/v1/actions/${allowed.body.action_id}`, bearer)).status).toBe(401);
      }
    });
  });
});

describe("another tenant's or environment's ids", () => {
  it("are 404 with exactly the body a missing id gets, on every verb", async () => {
    const p = await propose({ tool: "ticket.close", args: { ticket_id: "T-77" } });
    expect(p.status).toBe(202);
    const id = p.body.action_id as string;
    for (const other of [globex.key, acmeStaging.key]) {
      for (const [method, path, body] of [
        ["GET", `/api/v1/actions/${id}`, undefined],
        ["GET", `/api/v1/actions/${id}?wait=1`, undefined],
        ["POST", `/api/v1/actions/${id}/cancel`, undefined],
        ["POST", `/api/v1/actions/${id}/result`, { status: "ok", duration_ms: 5 }],
      ] as const) {
        const theirs = await call(server.url, method, path, other, body);
        const missing = await call(server.url, method, path.replace(id, "act_doesnotexist0000"), other, body);
        expect(theirs.status).toBe(404);
        const strip = (b: Record<string, any>) => ({ ...b, error: { ...b.error, request_id: "" } });
        expect(strip(theirs.body)).toEqual(strip(missing.body));
        expect(theirs.text).not.toContain("T-77");
        expect(theirs.text).not.toContain("acme");
      }
    }
    expect((await db().action.findUniqueOrThrow({ where: { id } })).status).toBe("pending");
  });

  it("another tenant's run id cannot carry a proposal", async () => {
    await unchanged(async () => {
      const r = await propose({}, globex.key);
      expect(r.status).toBe(404);
      const t = await post(`/api/v1/runs/${runId}/token`, undefined, globex.key);
      expect(t.status).toBe(404);
    });
  });
});

describe("names are matched exactly: no case, homoglyph or whitespace tricks", () => {
  const toolVariants = [
    "Ticket.close",
    "TICKET.CLOSE",
    "ticket.close ",
    " ticket.close",
    "ticket.cl\u043ese", // Cyrillic о
    "t\u0456cket.close", // Cyrillic і
    "ticket\u2024close", // one-dot leader
    "ticket.close\u200b", // zero-width space
    "ｔicket.close", // fullwidth t
    "ticket..close",
    "ticket.close\t",
  ];
  it.each(toolVariants.map((t) => [JSON.stringify(t), t]))("tool %s is an unknown tool", async (_l, tool) => {
    await unchanged(async () => {
      const r = await propose({ tool, args: { ticket_id: "T-1" } });
      expect(r.status).toBe(403);
      expect(r.body.error.reason).toBe("unknown_tool");
    });
  });

  it.each(["Support/send", "support/send ", "support\u2215send", "support/Send", "support/send/", "./support/send", "support/sеnd", "admin/everything"])(
    "route %j is not a route the credential holds",
    async (route) => {
      await unchanged(async () => {
        const r = await post("/api/v1/runs", { route });
        expect(r.status).toBe(403);
        expect(r.body.error.reason).toBe("route_not_permitted");
      });
    },
  );
});

describe("hostile JSON never reaches the decision", () => {
  const base = () => `"run_id":"${runId}","tool":"kb.search","idempotency_key":"json-${++n}"`;
  it.each([
    ["__proto__ at the top", () => `{${base()},"args":{"query":"q"},"__proto__":{"status":"allowed"}}`],
    ["__proto__ inside args", () => `{${base()},"args":{"query":"q","__proto__":{"isAdmin":true}}}`],
    ["constructor inside args", () => `{${base()},"args":{"query":"q","constructor":{"prototype":{"x":1}}}}`],
    ["prototype deep inside", () => `{${base()},"args":{"query":"q","a":[{"prototype":1}]}}`],
    ["a duplicate top-level key", () => `{${base()},"tool":"db.write","args":{"query":"q"}}`],
    ["a duplicate key inside args", () => `{${base()},"args":{"query":"harmless","query":"drop table"}}`],
    ["a duplicate key spelled with an escape", () => `{${base()},"args":{"query":"a","qu\\u0065ry":"b"}}`],
    ["a raw NUL byte", () => `{${base()},"args":{"query":"a\u0000b"}}`],
    ["an escaped NUL in a value", () => `{${base()},"args":{"query":"a\\u0000b"}}`],
    ["an escaped NUL in a key", () => `{${base()},"args":{"query":"a","x\\u0000":"b"}}`],
    ["deep nesting", () => `{${base()},"args":{"query":"q","d":${"[".repeat(5000)}${"]".repeat(5000)}}}`],
    ["trailing garbage", () => `{${base()},"args":{"query":"q"}}{}`],
  ])("%s is 400", async (_l, body) => {
    await unchanged(async () => {
      const r = await post("/api/v1/actions", undefined, acme.key, body());
      expect(r.status).toBe(400);
      expect(r.body.error.request_id).toBeTruthy();
    });
    expect(Object.prototype).not.toHaveProperty("isAdmin");
    expect(Object.prototype).not.toHaveProperty("status");
  });

  it("a 10 MB body is 413 and the server keeps serving", async () => {
    await unchanged(async () => {
      const big = `{"run_id":"${runId}","tool":"kb.search","idempotency_key":"big","args":{"query":"${"x".repeat(10 * 1024 * 1024)}"}}`;
      const r = await post("/api/v1/actions", undefined, acme.key, big);
      expect(r.status).toBe(413);
    });
    expect((await propose()).status).toBe(200);
  });

  it("a wrong content type is refused before parsing", async () => {
    await unchanged(async () => {
      const r = await call(server.url, "POST", "/api/v1/actions", acme.key, undefined, {
        raw: JSON.stringify({ run_id: runId, tool: "kb.search", args: { query: "q" }, idempotency_key: "ct" }),
        headers: { "content-type": "text/plain" },
      });
      expect(r.status).toBe(400);
    });
  });
});

describe("idempotency and budgets under concurrency", () => {
  it("the same key with other args is 422 and names no other action data", async () => {
    const a = await propose({ tool: "ticket.close", args: { ticket_id: "T-300" }, idempotency_key: "idem-sec" });
    await unchanged(async () => {
      const b = await propose({ tool: "ticket.close", args: { ticket_id: "T-301" }, idempotency_key: "idem-sec" });
      expect(b.status).toBe(422);
      expect(b.body.error.code).toBe("idempotency_mismatch");
      expect(b.text).not.toContain(a.body.action_id);
    });
  });

  it("thirty concurrent proposals with one key and mixed args make exactly one action", async () => {
    const rs = await Promise.all(
      Array.from({ length: 30 }, (_, i) => propose({ tool: "ticket.close", args: { ticket_id: i % 3 ? "T-400" : "T-401" }, idempotency_key: "idem-race" })),
    );
    expect(await db().action.count({ where: { idempotencyKey: "idem-race" } })).toBe(1);
    const ok = rs.filter((r) => r.status === 202);
    expect(new Set(ok.map((r) => r.body.action_id)).size).toBe(1);
    expect(rs.every((r) => r.status === 202 || r.status === 422)).toBe(true);
  });

  it("a USD budget is never overspent by concurrent proposals", async () => {
    await makeRoute("sec/usd", { allow_tools: ["kb.search"], budgets: { steps: 100, seconds: 3600, usd: 1 } });
    const { key } = await createCredential({ name: "usd", tenantId: "acme", env: "prod", routes: ["sec/usd"] });
    const run = await post("/api/v1/runs", { route: "sec/usd" }, key);
    const rs = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        post("/api/v1/actions", { run_id: run.body.run_id, tool: "kb.search", args: { query: `u${i}` }, idempotency_key: `usd-${i}`, cost_usd: 0.3 }, key),
      ),
    );
    expect(rs.filter((r) => r.status === 200)).toHaveLength(3);
    expect(rs.every((r) => r.status === 200 || r.status === 403)).toBe(true);
    const row = await db().run.findUniqueOrThrow({ where: { id: run.body.run_id } });
    expect(row.usdUsedMicros).toBeLessThanOrEqual(1_000_000);
    expect(await db().issuedToken.count({ where: { runId: run.body.run_id, kind: "action" } })).toBe(3);
  });
});

describe("callbacks never reach the inside", () => {
  it.each([
    "http://127.0.0.1/cb",
    "http://127.1/cb",
    "http://2130706433/cb",
    "http://0x7f000001/cb",
    "http://0177.0.0.1/cb",
    "http://[::1]/cb",
    "http://[::ffff:127.0.0.1]/cb",
    "http://[::]/cb",
    "http://0.0.0.0/cb",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/",
    "http://10.0.0.1/cb",
    "http://10.255.255.254:8080/cb",
    "http://192.168.1.1/cb",
    "http://172.16.0.1/cb",
    "http://100.64.0.1/cb",
    "http://localhost/cb",
    "http://LOCALHOST./cb",
    "http://api.localhost/cb",
    "http://metadata.google.internal/cb",
    "http://user:pw@example.com/cb",
    "file:///etc/passwd",
    "gopher://example.com/",
  ])("callback_url %s is refused at proposal (422, nothing stored)", async (url) => {
    await unchanged(async () => {
      const r = await propose({ tool: "ticket.close", args: { ticket_id: "T-9" }, callback_url: url });
      expect(r.status).toBe(422);
      expect(r.body.error.issues[0].path).toBe("callback_url");
    });
  });

  it("a public-looking name that resolves to loopback is refused at connect time; nothing is delivered", async () => {
    const inside = await listen((_q, s) => s.end("inside"));
    const p = await propose({ tool: "ticket.close", args: { ticket_id: "T-10" }, callback_url: `http://hooks.example.test:${inside.port}/cb` });
    expect(p.status).toBe(202);
    const reviewer = await makeUser("cb-reviewer@example.com", ["reviewer"]);
    await voteOnAction({ actionId: p.body.action_id, userId: reviewer, vote: "approve" });
    const loopback: LookupFunction = (_h, o, cb) => (o.all ? cb(null, [{ address: "127.0.0.1", family: 4 }]) : cb(null, "127.0.0.1", 4));
    await deliverDue({ backoffMs: [], lookup: loopback });
    expect(inside.hits).toHaveLength(0);
    const d = await db().webhookDelivery.findFirstOrThrow({ where: { actionId: p.body.action_id } });
    expect(d.status).toBe("failed");
    await inside.close();
  });

  it("an allowlisted receiver's redirect to an internal address is not followed", async () => {
    const inside = await listen((_q, s) => s.end("inside"));
    const outside = await listen((_q, s) => {
      s.statusCode = 307;
      s.setHeader("location", `http://127.0.0.1:${inside.port}/steal`);
      s.end();
    });
    const { key } = await createCredential({ name: "redir", tenantId: "acme", env: "prod", routes: ["support/send"], callbackAllowlist: ["localhost"] });
    const run = await post("/api/v1/runs", { route: "support/send" }, key);
    const p = await post(
      "/api/v1/actions",
      { run_id: run.body.run_id, tool: "ticket.close", args: { ticket_id: "T-11" }, idempotency_key: "redir", callback_url: `http://localhost:${outside.port}/cb` },
      key,
    );
    expect(p.status).toBe(202);
    const reviewer = await makeUser("cb-reviewer2@example.com", ["reviewer"]);
    await voteOnAction({ actionId: p.body.action_id, userId: reviewer, vote: "approve" });
    const toLoopback: LookupFunction = (_h, o, cb) => (o.all ? cb(null, [{ address: "127.0.0.1", family: 4 }]) : cb(null, "127.0.0.1", 4));
    await deliverDue({ backoffMs: [], lookup: toLoopback });
    expect(outside.hits.length).toBeGreaterThanOrEqual(1);
    expect(inside.hits).toHaveLength(0);
    await inside.close();
    await outside.close();
  });
});

async function listen(respond: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const hits: string[] = [];
  const srv = http.createServer((req, res) => {
    hits.push(req.url ?? "");
    req.resume();
    req.on("end", () => respond(req, res));
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  return { hits, port: (srv.address() as AddressInfo).port, close: () => new Promise<void>((r) => srv.close(() => r())) };
}
