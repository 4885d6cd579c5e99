import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// Action tokens live 2 s in this file (the operator's knob), so "past the
// token's lifetime" takes seconds, not five minutes.
vi.hoisted(() => {
  process.env.GATEHOUSE_ACTION_TOKEN_TTL_SECONDS = "2";
});

import { db } from "@/lib/db/client";
import { voteOnAction } from "@/lib/actions/vote-on-action";
import { isWidening } from "@/lib/policy/semantic-diff";
import { parsePolicy } from "@/lib/policy/policy-schema";
import { DEMO_ROUTES } from "@/lib/seed/demo-data";
import { freshDemoDb } from "../support/demo-db";
import { startAgentServer } from "../support/agent-server";
import { call, demoAgent } from "./helpers";

// An approval has its own validity window (the route's approval.valid_seconds):
// within it, fetching an approved action whose token expired unredeemed
// re-mints one fresh single-use token (audited, the old jti dead; concurrent
// pollers get the same one); after it, the agent gets a clear answer. Over
// real HTTP against the agent API.

const ROUTE = "support/send";
const WINDOW_SECONDS = 6;
const acme = demoAgent("acme", "prod", ROUTE);
const ARGS = { ticket_id: "T-1", to: "customer@example.com", subject: "Hello", body: "Your ticket is closed." };

let cleanup: () => Promise<void>;
let server: { url: string; close: () => Promise<void> };
let reviewerId: string;
let runId: string;
let n = 0;

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  const route = await db().route.findUniqueOrThrow({ where: { name: ROUTE } });
  const v = await db().policyVersion.findFirstOrThrow({ where: { routeId: route.id, version: route.activeVersion } });
  const policy = JSON.parse(v.policy);
  policy.approval.valid_seconds = WINDOW_SECONDS;
  await db().policyVersion.update({ where: { id: v.id }, data: { policy: JSON.stringify(policy) } });
  server = await startAgentServer();
  reviewerId = (await db().user.findUniqueOrThrow({ where: { email: "reviewer@gatehouse.local" } })).id;
  runId = (await call(server.url, "POST", "/api/v1/runs", acme.key, { route: ROUTE })).body.run_id;
});
afterAll(async () => {
  await server.close();
  await cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const get = (id: string, q = "") => call(server.url, "GET", `/api/v1/actions/${id}${q}`, acme.key);
const redeem = (token: string) => call(server.url, "POST", "/api/v1/tokens/redeem", null, { token, tool: "email.send", args: ARGS });
const propose = (key: string) => call(server.url, "POST", "/api/v1/actions", acme.key, { run_id: runId, tool: "email.send", args: ARGS, idempotency_key: key });

async function approved(): Promise<{ id: string; key: string; decidedAt: Date }> {
  const key = `win-${++n}`;
  const p = await propose(key);
  expect(p.status, JSON.stringify(p.body)).toBe(202);
  await voteOnAction({ actionId: p.body.action_id, userId: reviewerId, vote: "approve" });
  const a = await db().action.findUniqueOrThrow({ where: { id: p.body.action_id } });
  return { id: a.id, key, decidedAt: a.decidedAt! };
}

const jtiOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()).jti as string;

describe("an approval's validity window", () => {
  it("within it, a poll after the token expired re-mints one fresh token: audited, old jti dead, concurrent polls get the same token", async () => {
    const late = await approved(); // left alone until its window is over (next test)
    const a = await approved();
    const first = await get(a.id);
    expect(first.body.status).toBe("approved");
    const t1 = first.body.token as string;
    expect(t1).toBeTruthy();
    // expires_at is the approval's window, not the pending deadline.
    const windowEnd = Date.parse(first.body.expires_at);
    expect(Math.abs(windowEnd - (a.decidedAt.getTime() + WINDOW_SECONDS * 1000))).toBeLessThan(1500);
    // While it is live, every poll gets that same token; nothing is re-minted.
    expect((await get(a.id)).body.token).toBe(t1);

    await sleep(2_300);
    const polls = await Promise.all([...Array.from({ length: 8 }, () => get(a.id)), get(a.id, "?wait=5")]);
    const tokens = new Set(polls.map((p) => p.body.token as string | undefined));
    expect(polls.map((p) => p.status)).toEqual(polls.map(() => 200));
    expect(tokens.size, JSON.stringify(polls.map((p) => p.body))).toBe(1);
    const t2 = [...tokens][0]!;
    expect(t2).toBeTruthy();
    expect(t2).not.toBe(t1);
    expect(polls.every((p) => p.body.status === "approved")).toBe(true);

    const reminted = await db().auditEvent.findMany({ where: { type: "token.reminted", actionId: a.id } });
    expect(reminted).toHaveLength(1);
    expect(reminted[0]!.jti).toBe(jtiOf(t1));
    expect(JSON.parse(reminted[0]!.data ?? "{}")).toMatchObject({ replaced_by: jtiOf(t2) });
    const minted = await db().auditEvent.findMany({ where: { type: "token.minted", actionId: a.id }, orderBy: { seq: "asc" } });
    expect(minted.map((e) => e.jti)).toEqual([jtiOf(t1), jtiOf(t2)]);
    expect(await db().issuedToken.count({ where: { actionId: a.id } })).toBe(2);

    // The old jti is dead; the fresh token redeems once.
    expect((await redeem(t1)).status).toBeGreaterThanOrEqual(400);
    const ok = await redeem(t2);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect((await redeem(t2)).status).toBeGreaterThanOrEqual(400);
    // Redeemed: nothing more is minted.
    await sleep(2_100);
    const after = await get(a.id);
    expect([after.body.status, after.body.token, after.body.redeemed]).toEqual(["approved", undefined, true]);
    expect(await db().issuedToken.count({ where: { actionId: a.id } })).toBe(2);

    // After its window: a clear answer, the window's end as expires_at, no token minted.
    await sleep(Math.max(0, late.decidedAt.getTime() + WINDOW_SECONDS * 1000 - Date.now()) + 300);
    const before = await db().issuedToken.count({ where: { actionId: late.id } });
    const dead = await get(late.id);
    expect(dead.status).toBe(200);
    expect(dead.body).toMatchObject({ status: "expired", reason_code: "approval_expired" });
    expect(dead.body.token).toBeUndefined();
    expect(dead.body.message).toMatch(/new idempotency key/);
    expect(Math.abs(Date.parse(dead.body.expires_at) - (late.decidedAt.getTime() + WINDOW_SECONDS * 1000))).toBeLessThan(1500);
    expect(await db().issuedToken.count({ where: { actionId: late.id } })).toBe(before);
    // Re-proposing with the same key gives the same clear answer for the same action.
    const again = await propose(late.key);
    expect([again.status, again.body.action_id, again.body.status, again.body.reason_code]).toEqual([200, late.id, "expired", "approval_expired"]);
    expect(again.body.token).toBeUndefined();
  }, 30_000);

  it("a kill switch turned on after the approval stops the re-mint", async () => {
    const a = await approved();
    await sleep(2_200);
    await db().killSwitch.create({ data: { key: "tool:*:email.send", scope: "tool", tool: "email.send", tenantId: null, enabled: true, reason: "incident" } });
    try {
      const r = await get(a.id);
      expect(r.status).toBe(200);
      expect(r.body.token).toBeUndefined();
      expect(r.body.reason_code).toBe("kill_switch");
      expect(await db().issuedToken.count({ where: { actionId: a.id } })).toBe(1);
    } finally {
      await db().killSwitch.deleteMany({ where: { key: "tool:*:email.send" } });
    }
  }, 15_000);
});

describe("callbacks about an approval", () => {
  it("carry no token, only the window's end: a late retry tells the agent to fetch, and the fetch re-mints", async () => {
    const p = await call(server.url, "POST", "/api/v1/actions", acme.key, {
      run_id: runId,
      tool: "email.send",
      args: ARGS,
      idempotency_key: `win-cb-${++n}`,
      callback_url: "https://agent.example.com/gatehouse",
    });
    expect(p.status, JSON.stringify(p.body)).toBe(202);
    await voteOnAction({ actionId: p.body.action_id, userId: reviewerId, vote: "approve" });
    const d = await db().webhookDelivery.findFirstOrThrow({ where: { kind: "callback", actionId: p.body.action_id, event: "action.approved" } });
    const body = JSON.parse(d.payload);
    expect(body.data).toMatchObject({ action_id: p.body.action_id, status: "approved" });
    expect(Date.parse(body.data.approval_valid_until)).toBeGreaterThan(Date.now());
    expect(d.payload).not.toMatch(/eyJ[\w-]+\.[\w-]+\./); // no JWS anywhere in the body
    await sleep(2_200);
    const late = await get(p.body.action_id);
    expect([late.body.status, typeof late.body.token]).toEqual(["approved", "string"]);
  }, 15_000);
});

describe("the window is policy", () => {
  it("a longer window is a widening (second admin); a shorter one, or the default written out, is not; over 86400 is refused", () => {
    const p = DEMO_ROUTES.find((r) => r.name === ROUTE)!.policy;
    const withWindow = (s: number) => ({ ...p, approval: { ...p.approval, valid_seconds: s } });
    expect(isWidening(p, withWindow(7_200))).toBe(true);
    expect(isWidening(withWindow(7_200), withWindow(600))).toBe(false);
    expect(isWidening(p, withWindow(3_600))).toBe(false);
    expect(() => parsePolicy(JSON.stringify(withWindow(86_401)))).toThrow();
  });
});
