import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encode } from "next-auth/jwt";
import { freshDb } from "./support/db";
import { db } from "@/lib/db/client";
import { makeUser } from "./support/fixtures";
import { env, resetEnvForTests } from "@/lib/env";
import { sessionCookieName } from "@/lib/auth/session-cookie";
import { seedDemo } from "@/lib/seed/seed-demo";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { GET as metricsRoute } from "@/app/metrics/route";
import { GET as consoleMetricsRoute } from "@/app/api/console/metrics/route";
import { getConsoleMetrics } from "@/lib/metrics/console-metrics";
import { countDecision } from "@/lib/metrics/record";
import { routeLabel } from "@/lib/metrics/route-label";
import { startAgentServer } from "./support/agent-server";

const TOKEN = "metrics-token-for-tests-0123456789";
const noParams = { params: Promise.resolve({}) };
let cleanup: () => Promise<void>;
let adminCookie: string;
let viewerCookie: string;

async function cookieFor(userId: string): Promise<string> {
  const token = await encode({ token: { sub: userId }, secret: env().sessionSecret, maxAge: 600 });
  return `${sessionCookieName()}=${token}`;
}
const get = (headers: Record<string, string> = {}) => metricsRoute(new Request("http://localhost:3000/metrics", { headers }), noParams);

beforeAll(async () => {
  process.env.GATEHOUSE_METRICS_TOKEN = TOKEN;
  ({ cleanup } = await freshDb());
  resetEnvForTests();
  await seedDemo();
  adminCookie = await cookieFor(await makeUser("metrics-admin@example.test", ["admin"]));
  viewerCookie = await cookieFor(await makeUser("metrics-viewer@example.test", ["viewer", "reviewer"]));
});
afterAll(async () => {
  delete process.env.GATEHOUSE_METRICS_TOKEN;
  resetEnvForTests();
  await cleanup();
});

describe("/metrics is for admins and the scraper token only", () => {
  it("refuses no credentials, a wrong token and a valid agent key (401)", async () => {
    expect((await get()).status).toBe(401);
    expect((await get({ authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await get({ authorization: `Bearer ${DEMO_AGENTS[0]!.key}` })).status).toBe(401);
  });

  it("refuses a signed-in non-admin (403)", async () => {
    expect((await get({ cookie: viewerCookie })).status).toBe(403);
  });

  it("serves Prometheus text to the token and to an admin session", async () => {
    countDecision("denied", "tool_denied");
    for (const headers of [{ authorization: `Bearer ${TOKEN}` }, { cookie: adminCookie }] as Record<string, string>[]) {
      const res = await get(headers);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/plain");
      const body = await res.text();
      expect(body).toMatch(/gatehouse_decisions_total\{outcome="denied",reason="tool_denied",service="gatehouse"\} \d+/);
      expect(body).toContain("gatehouse_pending_actions");
      expect(body).toContain("gatehouse_long_poll_waiters");
      expect(body).toMatch(/nodejs_eventloop_lag_p99_seconds\{service="gatehouse"\} [0-9.e-]+/);
    }
  });
});

describe("console metrics API", () => {
  it("needs a session and returns the chart series", async () => {
    const anon = await consoleMetricsRoute(new Request("http://localhost:3000/api/console/metrics", { headers: { authorization: `Bearer ${DEMO_AGENTS[0]!.key}` } }), noParams);
    expect(anon.status).toBe(401);
    const res = await consoleMetricsRoute(new Request("http://localhost:3000/api/console/metrics", { headers: { cookie: viewerCookie } }), noParams);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.pendingOverTime).toHaveLength(49);
    expect(body.timeToDecision.map((b: { bucket: string }) => b.bucket)).toContain("< 1 min");
    expect(Array.isArray(body.denials)).toBe(true);
    expect(body.capped).toBeNull();
  });

  it("says when the window had more actions than the charts read", async () => {
    const now = new Date();
    for (const id of ["act_metrics_cap_1", "act_metrics_cap_2"])
      await db().action.create({
        data: {
          id,
          runId: "run_x",
          credentialId: "cred_x",
          tenantId: "acme",
          env: "prod",
          routeId: "route_x",
          routeName: "support/send",
          policyVersion: 1,
          tool: "ticket.close",
          toolKind: "write",
          argsHash: "h",
          argsDisplay: "{}",
          summary: "s",
          idempotencyKey: id,
          status: "pending",
          decisionReason: "approval_required",
          approvalsRequired: 1,
          createdAt: new Date(now.getTime() - 60_000),
          expiresAt: new Date(now.getTime() + 600_000),
        },
      });
    const m = await getConsoleMetrics({ scopes: "all" }, now, 24, 1);
    expect(m.capped).toEqual({ rows: 1 });
    expect(Math.max(...m.pendingOverTime.map((p) => p.pending))).toBeLessThanOrEqual(1);
    expect((await getConsoleMetrics({ scopes: "all" }, now, 24)).capped).toBeNull();
  });
});

describe("request latency is labelled by route, not by path", () => {
  it("names path parameters instead of their values", () => {
    expect(routeLabel("http://localhost:3000/api/v1/actions/act_01abc/cancel?x=1", { id: "act_01abc" })).toBe("/api/v1/actions/[id]/cancel");
    expect(routeLabel("/api/console/tools/email.send", { name: "email.send" })).toBe("/api/console/tools/[name]");
    expect(routeLabel("/api/console/tools/a%20b", { name: "a b" })).toBe("/api/console/tools/[name]");
    expect(routeLabel("/api/console/audit/42", { seq: "42" })).toBe("/api/console/audit/[seq]");
    // A value equal to a static segment: only the last occurrence is the parameter.
    expect(routeLabel("/api/console/tools/tools", { name: "tools" })).toBe("/api/console/tools/[name]");
    expect(routeLabel("/a/x/y", { rest: ["x", "y"] })).toBe("/a/[...rest]");
    expect(routeLabel("http://h/api/v1/actions#frag", {})).toBe("/api/v1/actions");
    expect(routeLabel("http://h", undefined)).toBe("/");
  });

  it("an agent call over the real HTTP server shows up under its route template", async () => {
    const server = await startAgentServer();
    try {
      const id = "act_metrics_route_label_test";
      const res = await fetch(`${server.url}/api/v1/actions/${id}`, { headers: { authorization: `Bearer ${DEMO_AGENTS[0]!.key}` } });
      expect(res.status).toBe(404);
      const body = await (await get({ authorization: `Bearer ${TOKEN}` })).text();
      expect(body).toMatch(/gatehouse_http_request_duration_seconds_count\{[^}]*method="GET",route="\/api\/v1\/actions\/\[id\]",status="404"[^}]*\} [1-9]/);
      expect(body).not.toContain(id);
    } finally {
      await server.close();
    }
  });
});
