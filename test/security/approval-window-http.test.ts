import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { createCredential } from "@/lib/agents/create-credential";
import { freshDemoDb } from "../support/demo-db";
import { makeUser } from "../support/fixtures";
import { call } from "./helpers";
import { consoleFetch, signIn, startConsoleServer, type ConsoleServer } from "./console-server";

// The approval's validity window against the real production server
// (scripts/serve.ts) with 2-second action tokens: a reviewer approves through
// the console (next-auth sign-in, cookies, CSRF); the agent's poll after the
// token expired gets one fresh token (concurrent polls the same one), the old
// one is refused at redeem, and after the window the answer is approval_expired.

const ROUTE = "support/send";
const WINDOW_SECONDS = 5;
const ARGS = { ticket_id: "T-7", to: "customer@example.com", subject: "Hi", body: "Done." };
let ctx: Awaited<ReturnType<typeof freshDemoDb>>;
let server: ConsoleServer;
let key: string;

beforeAll(async () => {
  ctx = await freshDemoDb();
  await db().user.updateMany({ data: { disabled: true } });
  await db().agentCredential.updateMany({ data: { revokedAt: new Date() } });
  key = (await createCredential({ name: "acme-window", tenantId: "acme", env: "prod", routes: [ROUTE] })).key;
  await makeUser("reviewer.win@example.com", ["reviewer"], "reviewer-win-password");
  const route = await db().route.findUniqueOrThrow({ where: { name: ROUTE } });
  const v = await db().policyVersion.findFirstOrThrow({ where: { routeId: route.id, version: route.activeVersion } });
  const policy = JSON.parse(v.policy);
  policy.approval.valid_seconds = WINDOW_SECONDS;
  await db().policyVersion.update({ where: { id: v.id }, data: { policy: JSON.stringify(policy) } });
  server = await startConsoleServer(ctx.databaseUrl, ctx.dataDir, { GATEHOUSE_ACTION_TOKEN_TTL_SECONDS: "2" });
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await ctx?.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("an approval's validity window, through the real server", () => {
  it("approve in the console; poll past the token: one fresh token for all pollers, old one refused; past the window: approval_expired", async () => {
    const runId = (await call(server.url, "POST", "/api/v1/runs", key, { route: ROUTE })).body.run_id;
    const p = await call(server.url, "POST", "/api/v1/actions", key, { run_id: runId, tool: "email.send", args: ARGS, idempotency_key: "win-http-1" });
    expect(p.status, JSON.stringify(p.body)).toBe(202);
    const id = p.body.action_id as string;

    const reviewer = await signIn(server.url, "reviewer.win@example.com", "reviewer-win-password");
    const vote = await consoleFetch(server.url, reviewer, `/api/console/actions/${id}/vote`, { method: "POST", body: { vote: "approve" } });
    expect(vote.status, await vote.clone().text()).toBe(200);
    const decidedAt = Date.now();

    const first = await call(server.url, "GET", `/api/v1/actions/${id}`, key);
    const t1 = first.body.token as string;
    expect([first.body.status, typeof t1]).toEqual(["approved", "string"]);

    await sleep(2_300);
    const polls = await Promise.all(Array.from({ length: 6 }, () => call(server.url, "GET", `/api/v1/actions/${id}`, key)));
    const tokens = new Set(polls.map((r) => r.body.token));
    expect(tokens.size).toBe(1);
    const t2 = [...tokens][0] as string;
    expect(typeof t2).toBe("string");
    expect(t2).not.toBe(t1);
    const stale = await call(server.url, "POST", "/api/v1/tokens/redeem", null, { token: t1, tool: "email.send", args: ARGS });
    expect(stale.status).toBeGreaterThanOrEqual(400);
    expect(stale.status).toBeLessThan(500);

    await sleep(Math.max(0, decidedAt + WINDOW_SECONDS * 1000 - Date.now()) + 800);
    const dead = await call(server.url, "GET", `/api/v1/actions/${id}`, key);
    expect(dead.body).toMatchObject({ status: "expired", reason_code: "approval_expired" });
    expect(dead.body.token).toBeUndefined();
    const again = await call(server.url, "POST", "/api/v1/actions", key, { run_id: runId, tool: "email.send", args: ARGS, idempotency_key: "win-http-1" });
    expect([again.status, again.body.action_id, again.body.reason_code]).toEqual([200, id, "approval_expired"]);
  }, 120_000);
});
