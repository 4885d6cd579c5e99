import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encode } from "next-auth/jwt";
import { freshDb } from "./support/db";
import { db } from "@/lib/db/client";
import { actionRow, makeUser } from "./support/fixtures";
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
  });

  it("counts every action of the window in the database: the charts equal a row-by-row count, per scope", async () => {
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const step = (24 * 3600_000) / 48;
    const since = now.getTime() - 24 * 3600_000;
    const at = (ms: number) => new Date(ms);
    const point = (i: number) => since + i * step;
    type Case = { tenant?: string; status: string; created: number; decided?: number; expires?: number; required?: number };
    const cases: Case[] = [
      // Starts and ends exactly on points: pending at points 3 and 4, not at 5.
      { status: "approved", created: point(3), decided: point(5) },
      { status: "pending", created: since - 3600_000 },
      { status: "rejected", created: since - 3600_000, decided: point(10) },
      { status: "approved", created: since - 7200_000, decided: since - 60_000 },
      // An expiry without a decision time ends at its expiry; a pending one past its expiry still waits (not swept yet).
      { status: "expired", created: point(20), expires: point(30) + 1 },
      { status: "expired", created: point(20), decided: point(22), expires: point(22) },
      { status: "pending", created: point(40), expires: point(41) },
      { status: "cancelled", created: point(44) },
      { status: "pending", created: point(12), required: 0 },
      { status: "pending", created: now.getTime() + 1 },
      { tenant: "globex", status: "approved", created: point(30), decided: point(31) + 1 },
      { tenant: "globex", status: "pending", created: point(35) - 1 },
      // A decision stamped before its proposal (a clock step) was never waiting.
      { status: "rejected", created: point(25), decided: point(24) },
      // Waits on the buckets' edges: 29.999 s, 30 s, 59 s, 299.5 s, 1 h, 1 s.
      ...[29_999, 30_000, 59_000, 299_500, 3600_000, 1_000].map((w, k) => ({ status: k % 2 ? "approved" : "rejected", created: point(46) - w - k, decided: point(46) - k })),
    ];
    await db().action.deleteMany({});
    let n = 0;
    for (const c of cases) {
      const id = `act_metrics_${++n}`;
      await db().action.create({
        data: actionRow(id, {
          tenantId: c.tenant ?? "acme",
          status: c.status,
          approvalsRequired: c.required ?? 1,
          createdAt: at(c.created),
          decidedAt: c.decided === undefined ? null : at(c.decided),
          expiresAt: c.expires === undefined ? null : at(c.expires),
        }),
      });
    }
    // The row-by-row count the charts used to make, over the rows a scope sees.
    const expected = (rows: Case[]) => {
      const inScope = rows.filter((a) => (a.required ?? 1) > 0 && a.created <= now.getTime() && (a.decided === undefined || a.decided >= since));
      const pending = Array.from({ length: 49 }, (_, i) => {
        const t = point(i);
        return inScope.filter((a) => a.created <= t && (a.decided === undefined ? a.status === "pending" || (a.expires ?? Infinity) > t : a.decided > t)).length;
      });
      const waits = rows
        .filter((a) => (a.status === "approved" || a.status === "rejected") && a.decided !== undefined && a.decided >= since && a.decided <= now.getTime())
        .map((a) => (a.decided! - a.created) / 1000)
        .sort((x, y) => x - y);
      const edges = [30, 60, 300, 900, 3600, Infinity];
      return {
        pending,
        buckets: edges.map((e, i) => waits.filter((w) => w < e && (i === 0 || w >= edges[i - 1]!)).length),
        median: waits.length ? waits[Math.floor((waits.length - 1) / 2)]! : null,
      };
    };
    for (const [viewer, rows] of [
      [{ scopes: "all" as const }, cases],
      [{ scopes: [{ tenant: "acme", env: "prod" }] }, cases.filter((c) => (c.tenant ?? "acme") === "acme")],
      [{ scopes: [{ tenant: "globex", env: "*" }] }, cases.filter((c) => c.tenant === "globex")],
      [{ scopes: [{ tenant: "acme", env: "staging" }] }, []],
      [{ scopes: [] }, []],
    ] as const) {
      const m = await getConsoleMetrics(viewer, now, 24);
      const want = expected([...rows]);
      expect(m.pendingOverTime.map((p) => p.pending)).toEqual(want.pending);
      expect(m.timeToDecision.map((b) => b.count)).toEqual(want.buckets);
      expect(m.timeToDecisionMedianSeconds).toBe(want.median);
    }
    // Not a degenerate fixture: the counts move across the day and fill several buckets.
    const all = expected(cases);
    expect(new Set(all.pending).size).toBeGreaterThan(3);
    expect(all.buckets.filter((b) => b > 0).length).toBeGreaterThanOrEqual(4);
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
