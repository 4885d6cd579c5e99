import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { decodeJwt } from "jose";
import { freshDemoDb } from "../support/demo-db";
import { startAgentServer } from "../support/agent-server";
import { makeUser } from "../support/fixtures";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { createCredential, revokeCredential } from "@/lib/agents/create-credential";
import { setKillSwitch } from "@/lib/kill-switches/set-kill-switch";
import { voteOnAction } from "@/lib/actions/vote-on-action";
import { createToolService } from "@gatehouse-dev/sdk";
import { CapabilityError } from "@gatehouse-dev/sdk";
import { flushRedeemRefusals } from "@/lib/tokens/redeem-guard";
import { startTicketService } from "@/examples/ticket-service";
import { call, demoAgent, type CallResult } from "./helpers";

// Threat: a control (kill switch, revoked credential, cancelled action, ended
// run, open breaker) that only stops *new* decisions leaves every token already
// minted usable for its five minutes. Each control must stop those tokens at the
// redeem endpoint, at run-token refresh, and at a tool service that verifies
// offline (the SDK reads the revocation feed by default). All over real HTTP.

const acme = demoAgent("acme", "prod", "support/send");
const READ_ARGS = { query: "refund policy" };

let cleanup: () => Promise<void>;
let server: { url: string; close: () => Promise<void> };
let admin: string;
let reviewer: string;
let n = 0;

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  server = await startAgentServer();
  admin = await makeUser("ctl-admin@example.com", ["admin"]);
  reviewer = await makeUser("ctl-reviewer@example.com", ["reviewer"]);
});
afterAll(async () => {
  await server.close();
  await cleanup();
});
// Each test starts with no kill switch, closed breakers and a fresh flood window.
beforeEach(async () => {
  await db().killSwitch.updateMany({ data: { enabled: false } });
  await db().routeBreaker.deleteMany({});
  await flushRedeemRefusals();
});

/** Open the breaker of one route for one tenant and environment, as the circuit breaker would. */
async function openBreaker(route: string, tenantId: string, env: string): Promise<void> {
  const r = await db().route.findUniqueOrThrow({ where: { name: route } });
  await db().routeBreaker.upsert({
    where: { routeId_tenantId_env: { routeId: r.id, tenantId, env } },
    create: { routeId: r.id, tenantId, env, state: "open", openedAt: new Date() },
    update: { state: "open", openedAt: new Date() },
  });
}

/** Each call from its own address, so the flood limits of one test never reach another. */
const source = () => ({ "x-forwarded-for": `198.51.100.${++n % 250}` });
const redeem = (token: string, tool = "kb.search", args: unknown = READ_ARGS): Promise<CallResult> =>
  call(server.url, "POST", "/api/v1/tokens/redeem", null, { token, tool, args }, { headers: source() });

async function startRun(key = acme.key) {
  const run = await call(server.url, "POST", "/api/v1/runs", key, { route: "support/send" });
  expect(run.status).toBe(201);
  return { runId: run.body.run_id as string, runToken: run.body.run_token as string };
}

/** An allowed read: its action token comes back at once. */
async function allowedRead(key = acme.key) {
  const { runId, runToken } = await startRun(key);
  const p = await call(server.url, "POST", "/api/v1/actions", key, { run_id: runId, tool: "kb.search", args: READ_ARGS, idempotency_key: `ctl-${++n}` });
  expect(p.status).toBe(200);
  return { token: p.body.token as string, actionId: p.body.action_id as string, runId, runToken };
}

/** A write, approved by a reviewer; the agent fetched its token. */
async function approvedWrite(key = acme.key) {
  const { runId } = await startRun(key);
  const args = { ticket_id: `T-${++n}` };
  const p = await call(server.url, "POST", "/api/v1/actions", key, { run_id: runId, tool: "ticket.close", args, idempotency_key: `ctl-w-${n}` });
  expect(p.status).toBe(202);
  await voteOnAction({ actionId: p.body.action_id, userId: reviewer, vote: "approve" });
  const seen = await call(server.url, "GET", `/api/v1/actions/${p.body.action_id}`, key);
  expect(seen.body.status).toBe("approved");
  return { token: seen.body.token as string, actionId: p.body.action_id as string, runId, args };
}

async function expectStopped(r: CallResult, reason: string, status = 403) {
  expect([r.status, r.body.error?.reason]).toEqual([status, reason]);
  const ev = await db().auditEvent.findFirst({ where: { requestId: r.headers.get("x-request-id") } });
  expect(ev).toMatchObject({ type: "token.redeem_refused", reason, status: "refused" });
}

const feed = async () => (await call(server.url, "GET", "/api/v1/tokens/revocations", null)).body as { revoked: { jti: string; reason: string }[]; complete: boolean };

describe("every control stops tokens already issued, at the redeem endpoint", () => {
  it("a tenant kill switch", async () => {
    const a = await allowedRead();
    await setKillSwitch({ scope: "tenant", tenantId: "acme", enabled: true, reason: "incident", actorId: admin });
    await expectStopped(await redeem(a.token), "kill_switch");
    expect((await db().action.findUniqueOrThrow({ where: { id: a.actionId } })).redeemedAt).toBeNull();
  });

  it("a tool kill switch (for every tenant, or for this one)", async () => {
    for (const tenantId of [null, "acme"]) {
      const a = await allowedRead();
      await setKillSwitch({ scope: "tool", tenantId, tool: "kb.search", enabled: true, reason: "bad tool", actorId: admin });
      await expectStopped(await redeem(a.token), "kill_switch");
      await db().killSwitch.updateMany({ data: { enabled: false } });
    }
  });

  it("a revoked agent credential", async () => {
    const cred = await createCredential({ name: "ctl-revoked", tenantId: "acme", env: "prod", routes: ["support/send"] });
    const a = await allowedRead(cred.key);
    await revokeCredential(cred.id, admin);
    await expectStopped(await redeem(a.token), "credential_revoked");
  });

  it("an ended run (its seconds budget over)", async () => {
    const a = await allowedRead();
    await db().run.update({ where: { id: a.runId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await expectStopped(await redeem(a.token), "run_ended");
  });

  it("an open breaker on the token's route", async () => {
    const a = await allowedRead();
    await openBreaker("support/send", "acme", "prod");
    await expectStopped(await redeem(a.token), "circuit_open");
  });

  it("a breaker open for another tenant or environment does not stop the token", async () => {
    const a = await allowedRead();
    await openBreaker("support/send", "globex", "prod");
    await openBreaker("support/send", "acme", "staging");
    expect((await redeem(a.token)).status).toBe(200);
  });

  it("a stopped token stays spent when the control is lifted", async () => {
    const a = await allowedRead();
    await setKillSwitch({ scope: "tenant", tenantId: "acme", enabled: true, reason: "incident", actorId: admin });
    await expectStopped(await redeem(a.token), "kill_switch");
    await setKillSwitch({ scope: "tenant", tenantId: "acme", enabled: false, reason: "over", actorId: admin });
    expect((await redeem(a.token)).body.error.reason).toBe("already_redeemed");
  });

  it("with no control in force the same tokens redeem", async () => {
    expect((await redeem((await allowedRead()).token)).status).toBe(200);
    const w = await approvedWrite();
    expect((await redeem(w.token, "ticket.close", w.args)).status).toBe(200);
  });
});

describe("cancel revokes an unredeemed token", () => {
  it("cancelling an approved action revokes its token: redeem refuses it, the feed lists it", async () => {
    const w = await approvedWrite();
    const c = await call(server.url, "POST", `/api/v1/actions/${w.actionId}/cancel`, acme.key, {});
    expect([c.status, c.body.status]).toEqual([200, "cancelled"]);
    expect(c.body.token ?? null).toBeNull();
    const row = await db().action.findUniqueOrThrow({ where: { id: w.actionId } });
    expect([row.status, row.tokenSealed]).toEqual(["cancelled", null]);
    const ev = await db().auditEvent.findFirstOrThrow({ where: { type: "action.cancelled", actionId: w.actionId } });
    expect(JSON.parse(ev.data ?? "{}")).toMatchObject({ from: "approved", token_revoked: decodeJwt(w.token).jti });
    expect((await feed()).revoked).toContainEqual(expect.objectContaining({ jti: decodeJwt(w.token).jti, reason: "action_cancelled" }));
    await expectStopped(await redeem(w.token, "ticket.close", w.args), "action_cancelled", 409);
  });

  it("an allowed read's token is revoked by cancel too; a redeemed one cannot be cancelled", async () => {
    const a = await allowedRead();
    expect((await call(server.url, "POST", `/api/v1/actions/${a.actionId}/cancel`, acme.key, {})).status).toBe(200);
    await expectStopped(await redeem(a.token), "action_cancelled", 409);
    const b = await allowedRead();
    expect((await redeem(b.token)).status).toBe(200);
    const late = await call(server.url, "POST", `/api/v1/actions/${b.actionId}/cancel`, acme.key, {});
    expect([late.status, late.body.error.reason]).toEqual([409, "already_decided"]);
  });
});

describe("run-token refresh stops with the controls", () => {
  it("a tenant kill switch, an open breaker, an ended run and a revoked credential refuse the refresh", async () => {
    const refresh = (runId: string, key = acme.key) => call(server.url, "POST", `/api/v1/runs/${runId}/token`, key, {});
    const { runId } = await startRun();
    expect((await refresh(runId)).status).toBe(200);

    await setKillSwitch({ scope: "tenant", tenantId: "acme", enabled: true, reason: "incident", actorId: admin });
    const killed = await refresh(runId);
    expect([killed.status, killed.body.error.reason]).toEqual([403, "kill_switch"]);
    await setKillSwitch({ scope: "tenant", tenantId: "acme", enabled: false, reason: "over", actorId: admin });

    await openBreaker("support/send", "acme", "prod");
    const open = await refresh(runId);
    expect([open.status, open.body.error.reason]).toEqual([403, "circuit_open"]);
    await db().routeBreaker.deleteMany({});

    await db().run.update({ where: { id: runId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await refresh(runId)).body.error.reason).toBe("budget_seconds");

    const cred = await createCredential({ name: "ctl-refresh", tenantId: "acme", env: "prod", routes: ["support/send"] });
    const r2 = await startRun(cred.key);
    await revokeCredential(cred.id, admin);
    expect((await refresh(r2.runId, cred.key)).status).toBe(401);
  });
});

describe("a run's seconds budget counts time spent pending", () => {
  it("approving an action whose run ended is refused with run_ended; the action is denied and no token is minted", async () => {
    const { runId } = await startRun();
    const p = await call(server.url, "POST", "/api/v1/actions", acme.key, { run_id: runId, tool: "ticket.close", args: { ticket_id: "T-9999" }, idempotency_key: "ctl-late" });
    expect(p.status).toBe(202);
    // The run's budget runs out while the action waits for a human.
    await db().run.update({ where: { id: runId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await expect(voteOnAction({ actionId: p.body.action_id, userId: reviewer, vote: "approve" })).rejects.toMatchObject({ code: "conflict", reason: "run_ended" });
    const seen = await call(server.url, "GET", `/api/v1/actions/${p.body.action_id}`, acme.key);
    expect([seen.body.status, seen.body.token ?? null]).toEqual(["denied", null]);
    expect(await db().issuedToken.count({ where: { actionId: p.body.action_id } })).toBe(0);
    expect(await db().auditEvent.count({ where: { actionId: p.body.action_id, type: "action.denied", reason: "run_ended" } })).toBe(1);
  });
});

describe("an offline verifier learns of revocations", () => {
  const tools = (opts: Parameters<typeof createToolService>[0]["revocations"] = {}, doFetch: typeof fetch = fetch) =>
    createToolService({
      gatehouseUrl: server.url,
      issuer: env().GATEHOUSE_ISSUER,
      audience: env().GATEHOUSE_AUDIENCE,
      tenant: "acme",
      env: "prod",
      revocations: opts,
      fetch: doFetch,
    });

  it("the feed is public and lists only jtis, kinds, expiries and reason codes", async () => {
    const a = await allowedRead();
    await setKillSwitch({ scope: "tenant", tenantId: "acme", enabled: true, reason: "incident", actorId: admin });
    await new Promise((r) => setTimeout(r, 1100)); // the server caches the feed for 1 s
    const f = await call(server.url, "GET", "/api/v1/tokens/revocations", null);
    expect(f.status).toBe(200);
    expect(f.body.complete).toBe(true);
    const entry = (f.body.revoked as Record<string, unknown>[]).find((e) => e.jti === decodeJwt(a.token).jti);
    expect(entry).toBeDefined();
    expect(Object.keys(entry!).sort()).toEqual(["exp", "jti", "kind", "reason"]);
    expect(f.text).not.toMatch(/acme|support\/send|kb\.search|eyJ/);
  });

  it("the SDK verifier refuses a token within ~3 s of a kill switch (on by default), for action and run tokens", async () => {
    const svc = tools();
    const a = await allowedRead();
    await expect(svc.verify(a.token, "kb.search", READ_ARGS)).resolves.toMatchObject({ jti: decodeJwt(a.token).jti });
    await expect(svc.verifyRun(a.runToken, "kb.search")).resolves.toBeTruthy();
    const flipped = Date.now();
    await setKillSwitch({ scope: "tenant", tenantId: "acme", enabled: true, reason: "incident", actorId: admin });
    let refusedAfter = -1;
    while (Date.now() - flipped < 10_000) {
      try {
        await svc.verify(a.token, "kb.search", READ_ARGS);
      } catch (err) {
        expect(err).toBeInstanceOf(CapabilityError);
        expect((err as CapabilityError).code).toBe("revoked");
        refusedAfter = Date.now() - flipped;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    console.log(`revocation reached the offline verifier after ${refusedAfter} ms`);
    expect(refusedAfter).toBeGreaterThanOrEqual(0);
    expect(refusedAfter).toBeLessThan(3_500);
    await expect(svc.verifyRun(a.runToken, "kb.search")).rejects.toMatchObject({ code: "revoked" });
  });

  it("a feed that cannot be read fails closed after the staleness bound", async () => {
    let down = false;
    const flaky: typeof fetch = (input, init) => (down && String(input).includes("/revocations") ? Promise.reject(new TypeError("connection refused")) : fetch(input, init));
    const svc = tools({ pollSeconds: 0.2, maxStaleSeconds: 1 }, flaky);
    const a = await allowedRead();
    await expect(svc.verify(a.token, "kb.search", READ_ARGS)).resolves.toBeTruthy();
    down = true;
    await expect(svc.verify(a.token, "kb.search", READ_ARGS)).resolves.toBeTruthy(); // within the bound: last good answer
    await new Promise((r) => setTimeout(r, 1300));
    await expect(svc.verify(a.token, "kb.search", READ_ARGS)).rejects.toMatchObject({ code: "revocations_unavailable" });
    down = false;
    await new Promise((r) => setTimeout(r, 1100));
    await expect(svc.verify(a.token, "kb.search", READ_ARGS)).resolves.toBeTruthy();
  });

  it("the demo tool service reads the feed by default: a stopped token is refused offline, before any redemption", async () => {
    const svc = await startTicketService({ gatehouseUrl: server.url, tenant: "acme", env: "prod" });
    try {
      const w = await approvedWrite();
      const post = () =>
        fetch(`${svc.url}/tools/ticket.close`, { method: "POST", headers: { authorization: `Bearer ${w.token}` }, body: JSON.stringify(w.args) }).then(async (r) => ({
          status: r.status,
          body: (await r.json()) as { error?: string },
        }));
      await setKillSwitch({ scope: "tool", tenantId: "acme", tool: "ticket.close", enabled: true, reason: "incident", actorId: admin });
      await new Promise((r) => setTimeout(r, 3_100)); // poll interval + the server's cache
      expect(await post()).toEqual({ status: 403, body: { error: "revoked" } });
      expect(await db().auditEvent.count({ where: { jti: String(decodeJwt(w.token).jti), type: { startsWith: "token.redeem" } } })).toBe(0);
      expect(svc.tickets.get(w.args.ticket_id)).toBeUndefined();
    } finally {
      await svc.close();
    }
  });
});
