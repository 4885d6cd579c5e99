import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { POST as breakerPost } from "@/app/api/console/routes/breaker/route";
import { freshDemoDb } from "../support/demo-db";
import { startAgentServer } from "../support/agent-server";
import { call, demoAgent, params, sessionRequest } from "./helpers";

// The circuit breaker is per route, tenant and environment: one tenant's (or
// one environment's) looping agent opens only its own, over real HTTP against
// the agent API; what is only a run's own problem never counts; a human resets
// one scope at a time through the console API.

const ROUTE = "support/draft";
const THRESHOLD = 3;
const acme = demoAgent("acme", "prod", ROUTE);
const acmeStaging = demoAgent("acme", "staging", ROUTE);
const globex = demoAgent("globex", "prod", ROUTE);
const ORIGIN = "http://localhost:3000";

let cleanup: () => Promise<void>;
let server: { url: string; close: () => Promise<void> };
let adminId: string;
let n = 0;

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  server = await startAgentServer();
  await db().route.update({ where: { name: ROUTE }, data: { breakerThreshold: THRESHOLD, breakerWindowSeconds: 600 } });
  adminId = (await db().user.findUniqueOrThrow({ where: { email: "admin@gatehouse.local" } })).id;
});
afterAll(async () => {
  await server.close();
  await cleanup();
});

const startRun = (key: string) => call(server.url, "POST", "/api/v1/runs", key, { route: ROUTE });
const propose = (key: string, runId: string, tool: string, args: Record<string, unknown> = { query: "q" }) =>
  call(server.url, "POST", "/api/v1/actions", key, { run_id: runId, tool, args, idempotency_key: `brk-${++n}` });

async function runOf(key: string): Promise<string> {
  const r = await startRun(key);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.run_id as string;
}

const reset = async (body: Record<string, unknown>) => {
  const req = await sessionRequest(adminId, `${ORIGIN}/api/console/routes/breaker`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-gatehouse-console": "1", origin: ORIGIN },
    body: JSON.stringify({ action: "reset", route: ROUTE, reason: "agent fixed", ...body }),
  });
  const res = await breakerPost(req, params({}));
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

describe("the circuit breaker is per route, tenant and environment", () => {
  it("tenant A's agent tripping it leaves tenant B and A's other environment allowed; the reset is per scope", async () => {
    const run = await runOf(acme.key);
    for (let i = 0; i < THRESHOLD; i++) expect((await propose(acme.key, run, "email.send", { to: "x@example.com" })).body.error?.reason).toBe("tool_denied");
    const tripped = await propose(acme.key, run, "kb.search");
    expect([tripped.status, tripped.body.error?.reason]).toEqual([403, "circuit_open"]);
    expect((await startRun(acme.key)).body.error?.reason).toBe("circuit_open");

    // Another tenant, and the same tenant's other environment, on the same route.
    for (const other of [globex, acmeStaging]) {
      const r = await propose(other.key, await runOf(other.key), "kb.search");
      expect(r.status, `${other.tenant}/${other.env}: ${JSON.stringify(r.body)}`).toBe(200);
      expect(r.body.status).toBe("allowed");
    }
    const opened = await db().auditEvent.findMany({ where: { type: "breaker.opened", route: ROUTE } });
    expect(opened.map((e) => [e.tenantId, e.env])).toEqual([["acme", "prod"]]);

    // Resetting another scope leaves acme/prod open; a scope that never counted is a 404.
    expect((await reset({ tenant: "globex", env: "prod" })).status).toBe(404);
    expect((await propose(acme.key, run, "kb.search")).body.error?.reason).toBe("circuit_open");
    const ok = await reset({ tenant: "acme", env: "prod" });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect((await propose(acme.key, run, "kb.search")).status).toBe(200);
    const resetEvent = await db().auditEvent.findFirstOrThrow({ where: { type: "breaker.reset", route: ROUTE } });
    expect([resetEvent.tenantId, resetEvent.env, resetEvent.actorId]).toEqual(["acme", "prod", adminId]);
  });

  it("a reset needs a scope: a body without tenant and env is refused and changes nothing", async () => {
    const r = await reset({ tenant: undefined, env: undefined });
    expect(r.status).toBe(422);
  });

  it("a run's own budget, invalid args and denials while the breaker is open do not count", async () => {
    const run = await runOf(acmeStaging.key);
    // 422 invalid args, several times over the threshold.
    for (let i = 0; i < THRESHOLD + 2; i++) expect((await propose(acmeStaging.key, run, "kb.search", { query: "" })).status).toBe(422);
    // Use up the run's steps, then keep going: budget_steps denials are the run's problem.
    for (let used = 0; used < 25; used++) expect((await propose(acmeStaging.key, run, "kb.search")).status).toBe(200);
    for (let i = 0; i < THRESHOLD + 2; i++) expect((await propose(acmeStaging.key, run, "kb.search")).body.error?.reason).toBe("budget_steps");
    // The scope's breaker stayed closed: a fresh run works.
    const fresh = await propose(acmeStaging.key, await runOf(acmeStaging.key), "kb.search");
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(200);
  });

  it("reported tool failures count for their own scope only", async () => {
    const run = await runOf(globex.key);
    for (let i = 0; i < THRESHOLD; i++) {
      const a = await propose(globex.key, run, "kb.search");
      expect(a.status).toBe(200);
      const res = await call(server.url, "POST", `/api/v1/actions/${a.body.action_id}/result`, globex.key, { status: "error", duration_ms: 5, error: "upstream 500" });
      expect(res.status).toBe(201);
    }
    expect((await propose(globex.key, run, "kb.search")).body.error?.reason).toBe("circuit_open");
    expect((await propose(acme.key, await runOf(acme.key), "kb.search")).status).toBe(200);
  });
});
