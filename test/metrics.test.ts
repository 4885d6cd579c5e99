import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encode } from "next-auth/jwt";
import { freshDb } from "./support/db";
import { makeUser } from "./support/fixtures";
import { env, resetEnvForTests } from "@/lib/env";
import { sessionCookieName } from "@/lib/auth/session-cookie";
import { seedDemo } from "@/lib/seed/seed-demo";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { GET as metricsRoute } from "@/app/metrics/route";
import { GET as consoleMetricsRoute } from "@/app/api/console/metrics/route";
import { countDecision } from "@/lib/metrics/record";

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
});
