import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encode } from "next-auth/jwt";
import { decodeJwt } from "jose";
import { freshDemoDb } from "./support/demo-db";
import { makeUser } from "./support/fixtures";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { sessionCookieName } from "@/lib/auth/session-cookie";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { authenticateAgent, type AgentPrincipal } from "@/lib/agents/authenticate-agent";
import { startRun } from "@/lib/runs/start-run";
import { proposeAction } from "@/lib/actions/propose-action";
import { getAction } from "@/lib/actions/get-action";
import { closeExpiredBreakGlass } from "@/lib/break-glass/close-expired";
import { BREAK_GLASS_MAX_MINUTES } from "@/lib/break-glass/session-rules";
import * as openRoute from "@/app/api/console/break-glass/route";
import * as activeRoute from "@/app/api/console/break-glass/active/route";
import * as closeRoute from "@/app/api/console/break-glass/[id]/close/route";
import * as reviewRoute from "@/app/api/console/break-glass/[id]/review/route";
import { getBreakGlassReview } from "@/lib/break-glass/review";
import * as approveRoute from "@/app/api/console/break-glass/approve/route";
import * as mintRoute from "@/app/api/console/break-glass/mint-token/route";
import * as mintOptionsRoute from "@/app/api/console/break-glass/mint-options/route";
import { MAX_RUNS } from "@/lib/break-glass/mint-options";
import * as killRoute from "@/app/api/console/kill-switches/route";

let cleanup: () => Promise<void>;
let agent: AgentPrincipal;
let runId: string;
const users: Record<string, string> = {};
const cookies: Record<string, string> = {};
const ctx = { requestId: "req_test_bg" };
let n = 0;

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  const demo = DEMO_AGENTS.find((a) => a.tenant === "acme" && a.env === "prod" && a.routes.includes("support/send"))!;
  agent = await authenticateAgent(new Request("http://x", { headers: { authorization: `Bearer ${demo.key}` } }));
  runId = (await startRun(agent, "support/send", ctx)).run_id;
  users.otto = await makeUser("otto@example.com", ["oncall"], "otto-pw");
  users.olga = await makeUser("olga@example.com", ["oncall"], "olga-pw");
  users.rita = await makeUser("rita@example.com", ["reviewer"], "rita-pw");
  users.vera = await makeUser("vera@example.com", ["viewer"], "vera-pw");
  users.adam = await makeUser("adam@example.com", ["admin"], "adam-pw");
  users.rosa = await makeUser("rosa@example.com", ["reviewer"], "rosa-pw");
  await db().user.update({ where: { id: users.rosa }, data: { scopes: "acme/prod" } }); // restricted to one tenant
  for (const [name, id] of Object.entries(users)) {
    cookies[name] = `${sessionCookieName()}=${await encode({ token: { sub: id }, secret: env().sessionSecret, maxAge: 3600 })}`;
  }
  await db().webhookEndpoint.create({ data: { url: "https://hooks.example/bg", events: JSON.stringify(["*"]), secretSealed: "x" } });
});
afterAll(() => cleanup());

type Route = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

async function call(route: Route, who: string, opts: { method?: string; body?: unknown; params?: Record<string, string>; query?: string } = {}) {
  const method = opts.method ?? (opts.body === undefined ? "GET" : "POST");
  const res = await route(
    new Request(`http://localhost:3000/api/console/x${opts.query ?? ""}`, {
      method,
      headers: { cookie: cookies[who]!, "x-gatehouse-console": "1", origin: "http://localhost:3000", "content-type": "application/json" },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    }),
    { params: Promise.resolve(opts.params ?? {}) },
  );
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

const open = (who: string, body: Record<string, unknown>) => call(openRoute.POST as Route, who, { body });
const deleteCustomer = async () =>
  (await proposeAction(agent, { run_id: runId, tool: "customer.delete", args: { customer_id: `C-${++n}` }, idempotency_key: `bg-k-${n}` }, ctx)).view;
const deliveries = (event: string) => db().webhookDelivery.count({ where: { event } });

describe("opening break-glass", () => {
  it("only the on-call role may open it", async () => {
    expect((await open("rita", { password: "rita-pw", reason: "incident" })).status).toBe(403);
    expect((await open("adam", { password: "adam-pw", reason: "incident" })).status).toBe(403);
  });

  it("a wrong re-entered password is refused and audited", async () => {
    const r = await open("otto", { password: "nope", reason: "incident 42" });
    expect(r.status).toBe(403);
    expect(r.body.error.reason).toBe("password_mismatch");
    expect(await db().breakGlassSession.count()).toBe(0);
    expect(await db().auditEvent.count({ where: { type: "break_glass.refused", actorId: users.otto } })).toBe(1);
  });

  it("needs a reason; the server enforces 1..60 whole minutes", async () => {
    expect((await open("otto", { password: "otto-pw", reason: "" })).status).toBe(422);
    expect((await open("otto", { password: "otto-pw", reason: "incident", duration_minutes: BREAK_GLASS_MAX_MINUTES + 1 })).status).toBe(422);
    expect((await open("otto", { password: "otto-pw", reason: "incident", duration_minutes: 0 })).status).toBe(422);
    expect((await open("otto", { password: "otto-pw", reason: "incident", duration_minutes: 1.5 })).status).toBe(422);
  });

  it("opens for 15 minutes by default, audited and announced; one open session per person; everyone sees it", async () => {
    const before = await deliveries("break_glass.opened");
    const r = await open("otto", { password: "otto-pw", reason: "payments outage" });
    expect(r.status).toBe(201);
    const minutes = (Date.parse(r.body.expires_at) - Date.parse(r.body.started_at)) / 60_000;
    expect(minutes).toBe(15);
    expect(await deliveries("break_glass.opened")).toBe(before + 1);
    expect(await db().auditEvent.count({ where: { type: "break_glass.opened", breakGlassSessionId: r.body.id } })).toBe(1);
    expect((await open("otto", { password: "otto-pw", reason: "again" })).status).toBe(409);
    const seen = await call(activeRoute.GET as Route, "vera");
    expect(seen.status).toBe(200);
    expect(seen.body.sessions.map((s: { id: string }) => s.id)).toEqual([r.body.id]);
    // The banner is for every user, whatever their tenant scopes: the same facts the banner shows, nothing more.
    const restricted = await call(activeRoute.GET as Route, "rosa");
    expect(restricted.status).toBe(200);
    expect(restricted.body.sessions).toHaveLength(1);
    expect(Object.keys(restricted.body.sessions[0]).sort()).toEqual(["expires_at", "id", "reason", "started_at", "user_email", "user_id"]);
    expect(restricted.body.sessions[0]).toMatchObject({ id: r.body.id, user_email: "otto@example.com", reason: expect.any(String) });
  });
});

describe("powers under an open session", () => {
  let sessionId: string;
  beforeAll(async () => {
    sessionId = (await db().breakGlassSession.findFirstOrThrow({ where: { userId: users.otto, endedAt: null } })).id;
  });

  it("approves a destructive action alone, tagged with the session", async () => {
    const a = await deleteCustomer();
    expect(a.approvals.required).toBe(2);
    const r = await call(approveRoute.POST as Route, "otto", { body: { session_id: sessionId, action_id: a.action_id } });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe("approved");
    const v = await getAction(agent, a.action_id);
    expect(v.status).toBe("approved");
    expect(v.token).toBeTruthy();
    expect(await db().auditEvent.count({ where: { actionId: a.action_id, type: "action.approved", breakGlassSessionId: sessionId } })).toBe(1);
  });

  it("the mint form's pickers: active runs with their agent, and the catalog's tools; on-call only", async () => {
    const r = await call(mintOptionsRoute.GET as Route, "otto");
    expect(r.status).toBe(200);
    const run = r.body.runs.find((x: { id: string }) => x.id === runId);
    expect(run).toMatchObject({ agent: agent.name, tenantId: "acme", env: "prod", route: "support/send" });
    expect(r.body.tools.map((t: { name: string }) => t.name)).toContain("customer.delete");
    expect((await call(mintOptionsRoute.GET as Route, "rita")).status).toBe(403);
  });

  it("the run picker lists the newest 200 with the true count, and the search reaches any run by id, agent, tenant or route", async () => {
    const before = (await call(mintOptionsRoute.GET as Route, "otto")).body.runsTotal as number;
    for (let i = 0; i < MAX_RUNS; i++) await startRun(agent, "support/send", ctx);
    const all = await call(mintOptionsRoute.GET as Route, "otto");
    expect(all.body.runsTotal).toBe(before + MAX_RUNS);
    expect(all.body.runs).toHaveLength(MAX_RUNS);
    // The first run of this file is now older than the newest 200: out of the list, found by its id.
    expect(all.body.runs.some((r: { id: string }) => r.id === runId)).toBe(false);
    const byId = await call(mintOptionsRoute.GET as Route, "otto", { query: `?q=${encodeURIComponent(runId)}` });
    expect(byId.body.runsTotal).toBe(1);
    expect(byId.body.runs.map((r: { id: string }) => r.id)).toEqual([runId]);
    expect(byId.body.tools.length).toBe(all.body.tools.length);
    // Another agent's run, found by its agent's name (and not by this agent's).
    const other = DEMO_AGENTS.find((a) => a.tenant === "globex")!;
    const otherAgent = await authenticateAgent(new Request("http://x", { headers: { authorization: `Bearer ${other.key}` } }));
    const otherRun = (await startRun(otherAgent, otherAgent.routes[0]!, ctx)).run_id;
    const byName = await call(mintOptionsRoute.GET as Route, "otto", { query: `?q=${encodeURIComponent(otherAgent.name)}` });
    expect(byName.body.runs.map((r: { id: string }) => r.id)).toContain(otherRun);
    expect(
      byName.body.runs.every(
        (r: { agent: string; tenantId: string; route: string }) => r.agent.includes(otherAgent.name) || r.tenantId.includes(otherAgent.name) || r.route.includes(otherAgent.name),
      ),
    ).toBe(true);
    const byTenant = await call(mintOptionsRoute.GET as Route, "otto", { query: "?q=globex" });
    expect(byTenant.body.runs.every((r: { tenantId: string }) => r.tenantId === "globex")).toBe(true);
    expect(byTenant.body.runs.map((r: { id: string }) => r.id)).toContain(otherRun);
    expect((await call(mintOptionsRoute.GET as Route, "otto", { query: "?q=no-such-run" })).body).toMatchObject({ runs: [], runsTotal: 0 });
    const long = await call(mintOptionsRoute.GET as Route, "otto", { query: `?q=${"x".repeat(201)}` });
    expect(long.status).toBe(422);
  });

  it("someone else's session gives nothing", async () => {
    const a = await deleteCustomer();
    const r = await call(approveRoute.POST as Route, "olga", { body: { session_id: sessionId, action_id: a.action_id } });
    expect(r.status).toBe(403);
    expect((await getAction(agent, a.action_id)).status).toBe("pending");
  });

  it("mints one action token for a run, tool and args; the on-call sees only the action id, the agent gets the token", async () => {
    const args = { customer_id: "C-77" };
    const r = await call(mintRoute.POST as Route, "otto", { body: { session_id: sessionId, run_id: runId, tool: "customer.delete", args } });
    expect(r.status).toBe(201);
    expect(Object.keys(r.body).sort()).toEqual(["action_id", "status", "token_expires_at"]);
    expect(JSON.stringify(r.body)).not.toMatch(/eyJ/);
    const action = await db().action.findUniqueOrThrow({ where: { id: r.body.action_id } });
    expect(action).toMatchObject({ status: "approved", decisionReason: "break_glass_minted", breakGlassSessionId: sessionId, approvalsRequired: 0, runId });
    const v = await getAction(agent, r.body.action_id);
    expect(v.token).toBeTruthy();
    const claims = decodeJwt(v.token!);
    expect(claims).toMatchObject({ tool: "customer.delete", run_id: runId, action_id: r.body.action_id });
    expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(300);
    expect(await db().auditEvent.count({ where: { actionId: r.body.action_id, breakGlassSessionId: sessionId } })).toBeGreaterThanOrEqual(2);
  });

  it("minting validates args against the tool schema and refuses unknown tools", async () => {
    const bad = await call(mintRoute.POST as Route, "otto", { body: { session_id: sessionId, run_id: runId, tool: "customer.delete", args: { nope: 1 } } });
    expect(bad.status).toBe(422);
    const unknown = await call(mintRoute.POST as Route, "otto", { body: { session_id: sessionId, run_id: runId, tool: "Customer.Delete", args: {} } });
    expect(unknown.status).toBe(403);
  });

  it("kill switches: on-call needs an open session of their own; the flip is audited and announced", async () => {
    const body = { scope: "tool", tenantId: "acme", tool: "ticket.close", enabled: true, reason: "stop the bleeding" };
    expect((await call(killRoute.POST as Route, "otto", { body })).status).toBe(403);
    expect((await call(killRoute.POST as Route, "olga", { body: { ...body, break_glass_session_id: sessionId } })).status).toBe(403);
    expect((await call(killRoute.POST as Route, "rita", { body: { ...body, break_glass_session_id: sessionId } })).status).toBe(403);
    const before = await deliveries("kill_switch.changed");
    const r = await call(killRoute.POST as Route, "otto", { body: { ...body, break_glass_session_id: sessionId } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ key: "tool:acme:ticket.close", enabled: true });
    expect(await deliveries("kill_switch.changed")).toBe(before + 1);
    expect(await db().auditEvent.count({ where: { type: "kill_switch.changed", breakGlassSessionId: sessionId } })).toBe(1);
    await expect(proposeAction(agent, { run_id: runId, tool: "ticket.close", args: { ticket_id: "T-1" }, idempotency_key: "ks-1" }, ctx)).rejects.toMatchObject({
      reason: "kill_switch",
    });
    const off = await call(killRoute.POST as Route, "adam", { body: { ...body, enabled: false, reason: "fixed" } });
    expect(off.status).toBe(200);
  });

  it("the review cannot be acknowledged while the session is open", async () => {
    expect((await call(reviewRoute.POST as Route, "rita", { body: {}, params: { id: sessionId } })).status).toBe(409);
  });
});

describe("the end of a session", () => {
  let sessionId: string;
  beforeAll(async () => {
    sessionId = (await db().breakGlassSession.findFirstOrThrow({ where: { userId: users.otto, endedAt: null } })).id;
    // Move time: the row says it expired a second ago; the sweep has not run.
    await db().breakGlassSession.update({ where: { id: sessionId }, data: { expiresAt: new Date(Date.now() - 1_000) } });
  });

  it("at expiry every power is gone, server-side, before any sweep", async () => {
    const a = await deleteCustomer();
    expect((await call(approveRoute.POST as Route, "otto", { body: { session_id: sessionId, action_id: a.action_id } })).status).toBe(403);
    expect((await getAction(agent, a.action_id)).status).toBe("pending");
    expect((await call(mintRoute.POST as Route, "otto", { body: { session_id: sessionId, run_id: runId, tool: "customer.delete", args: { customer_id: "C-9" } } })).status).toBe(
      403,
    );
    const ks = await call(killRoute.POST as Route, "otto", { body: { scope: "tenant", tenantId: "acme", enabled: true, reason: "x", break_glass_session_id: sessionId } });
    expect(ks.status).toBe(403);
    expect((await call(activeRoute.GET as Route, "vera")).body.sessions).toEqual([]);
  });

  it("the sweep marks it ended once and fires break_glass.closed", async () => {
    const before = await deliveries("break_glass.closed");
    expect(await closeExpiredBreakGlass()).toBe(1);
    expect(await closeExpiredBreakGlass()).toBe(0);
    expect(await deliveries("break_glass.closed")).toBe(before + 1);
    const s = await db().breakGlassSession.findUniqueOrThrow({ where: { id: sessionId } });
    expect(s.endedAt).not.toBeNull();
    expect(await db().auditEvent.count({ where: { type: "break_glass.closed", breakGlassSessionId: sessionId, reason: "expired" } })).toBe(1);
  });

  it("the review lists everything done under it; the on-call cannot acknowledge their own, someone else can, once", async () => {
    const review = await call(reviewRoute.GET as Route, "rita", { params: { id: sessionId } });
    expect(review.status).toBe(200);
    const types = review.body.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(["break_glass.opened", "action.approved", "token.minted", "kill_switch.changed", "break_glass.closed"]));
    expect(review.body.events.every((e: { break_glass_session_id: string }) => e.break_glass_session_id === sessionId)).toBe(true);
    // Actors by name (the id stays on hover), and every approved or minted action with its arguments.
    expect(review.body.actors[users.otto!]).toBe(
      await db()
        .user.findUniqueOrThrow({ where: { id: users.otto! } })
        .then((u) => u.name || u.email),
    );
    const minted = review.body.actions.filter((a: { tool: string }) => a.tool === "customer.delete");
    expect(minted.length).toBeGreaterThanOrEqual(1);
    expect(minted.every((a: { args: string }) => typeof JSON.parse(a.args).customer_id === "string")).toBe(true);
    expect(review.body).toMatchObject({ truncated: false, eventsTotal: review.body.events.length });
    // A session with more events than the review lists: the first ones, the true total, and still every action.
    const short = (await getBreakGlassReview(sessionId, 2))!;
    expect(short.events.map((e) => e.seq)).toEqual(review.body.events.slice(0, 2).map((e: { seq: number }) => e.seq));
    expect(short).toMatchObject({ truncated: true, eventsTotal: review.body.events.length });
    expect(short.actions.map((a) => a.id).sort()).toEqual(review.body.actions.map((a: { id: string }) => a.id).sort());
    expect(short.actions.length).toBeGreaterThanOrEqual(2);
    const own = await call(reviewRoute.POST as Route, "otto", { body: {}, params: { id: sessionId } });
    expect(own.status).toBe(403);
    expect(own.body.error.reason).toBe("own_session");
    expect((await call(reviewRoute.POST as Route, "vera", { body: {}, params: { id: sessionId } })).status).toBe(403);
    const ack = await call(reviewRoute.POST as Route, "rita", { body: { note: "looked fine" }, params: { id: sessionId } });
    expect(ack.status).toBe(200);
    expect(ack.body.session.review).toMatchObject({ by_email: "rita@example.com", note: "looked fine" });
    expect((await call(reviewRoute.POST as Route, "adam", { body: {}, params: { id: sessionId } })).status).toBe(409);
  });

  it("closing by hand ends the powers at once", async () => {
    const r = await open("olga", { password: "olga-pw", reason: "db failover", duration_minutes: 5 });
    expect(r.status).toBe(201);
    const closed = await call(closeRoute.POST as Route, "olga", { body: {}, params: { id: r.body.id } });
    expect(closed.status).toBe(200);
    expect(closed.body.open).toBe(false);
    const a = await deleteCustomer();
    expect((await call(approveRoute.POST as Route, "olga", { body: { session_id: r.body.id, action_id: a.action_id } })).status).toBe(403);
    expect((await call(closeRoute.POST as Route, "olga", { body: {}, params: { id: r.body.id } })).status).toBe(409);
  });
});
