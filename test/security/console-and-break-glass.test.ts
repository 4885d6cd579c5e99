import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "../support/demo-db";
import { makeUser } from "../support/fixtures";
import { db } from "@/lib/db/client";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { sessionCookieName } from "@/lib/auth/session-cookie";
import { authenticateAgent, type AgentPrincipal } from "@/lib/agents/authenticate-agent";
import { startRun } from "@/lib/runs/start-run";
import { proposeAction } from "@/lib/actions/propose-action";
import { openBreakGlass } from "@/lib/break-glass/open-break-glass";
import { proposePolicyChange } from "@/lib/policy-changes/propose-policy-change";
import { loadActivePolicy } from "@/lib/policy-changes/policy-versions";
import { approvePolicyChange } from "@/lib/policy-changes/approve-policy-change";
import { POST as openRoute } from "@/app/api/console/break-glass/route";
import { POST as bgApproveRoute } from "@/app/api/console/break-glass/approve/route";
import { POST as bgMintRoute } from "@/app/api/console/break-glass/mint-token/route";
import { POST as policyApproveRoute } from "@/app/api/console/policies/changes/[id]/approve/route";
import { appError, demoAgent, params, sessionRequest, stateCounts } from "./helpers";

// Threat: the agent (or a person without the role) reaches a human-only
// power: the console, break-glass, or a policy widening. The console routes
// are found on disk, so a route added later is covered without editing this.

const CONSOLE_API = path.join(process.cwd(), "app", "api", "console");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
const ORIGIN = "http://localhost:3000";

function routeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? routeFiles(p) : e.name === "route.ts" ? [p] : [];
  });
}

let cleanup: () => Promise<void>;
let agent: AgentPrincipal;
let runId: string;
const u: Record<string, string> = {};
let n = 0;

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  agent = await authenticateAgent(new Request("http://x", { headers: { authorization: `Bearer ${demoAgent("acme", "prod", "support/send").key}` } }));
  runId = (await startRun(agent, "support/send", { requestId: "req_bg" })).run_id;
  u.oncall = await makeUser("oncall.bg@example.com", ["oncall", "reviewer"]);
  u.oncall2 = await makeUser("oncall2.bg@example.com", ["oncall", "reviewer"]);
  u.reviewer = await makeUser("reviewer.bg@example.com", ["reviewer"]);
  u.admin = await makeUser("admin.bg@example.com", ["admin"]);
  u.admin2 = await makeUser("admin2.bg@example.com", ["admin"]);
});
afterAll(() => cleanup());

const consolePost = async (
  route: (req: Request, ctx: { params: Promise<any> }) => Promise<Response>,
  userId: string | null,
  url: string,
  body: unknown,
  p: Record<string, string> = {},
) => {
  const req = await sessionRequest(userId, `${ORIGIN}${url}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-gatehouse-console": "1", origin: ORIGIN },
    body: JSON.stringify(body),
  });
  const res = await route(req, params(p));
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

const destructive = async () =>
  (await proposeAction(agent, { run_id: runId, tool: "customer.delete", args: { customer_id: `C-${900 + ++n}` }, idempotency_key: `bg-${n}` }, { requestId: "req_bg" })).view;

describe("no agent credential reaches any console or break-glass endpoint", () => {
  const files = routeFiles(CONSOLE_API);

  it("enumerates the console routes from disk, break-glass among them", () => {
    expect(files.length).toBeGreaterThan(10);
    expect(files.filter((f) => f.includes(`${path.sep}break-glass${path.sep}`)).length).toBeGreaterThanOrEqual(4);
  });

  it.each(files.map((f) => [path.relative(process.cwd(), f), f] as const))(
    "%s: an agent key as bearer or as the session cookie is 401/403 and changes nothing",
    async (_n, file) => {
      const mod = (await import(file)) as Record<string, unknown>;
      const methods = METHODS.filter((m) => typeof mod[m] === "function");
      const names = [...path.relative(CONSOLE_API, file).matchAll(/\[\.{0,3}([^\]]+)\]/g)].map((m) => m[1]!);
      const p = Object.fromEntries(names.map((k) => [k, "1"]));
      const before = await stateCounts();
      for (const a of DEMO_AGENTS) {
        for (const method of methods) {
          for (const carry of ["bearer", "cookie", "both"] as const) {
            const headers: Record<string, string> = { "content-type": "application/json", "x-gatehouse-console": "1", origin: ORIGIN };
            if (carry !== "cookie") headers.authorization = `Bearer ${a.key}`;
            if (carry !== "bearer") headers.cookie = `${sessionCookieName()}=${a.key}`;
            const req = new Request(`${ORIGIN}/api/console/x`, {
              method,
              headers,
              body: method === "GET" ? undefined : JSON.stringify({ password: "x", reason: "xyz", session_id: "x", action_id: "x", vote: "approve", enabled: true }),
            });
            const res = await (mod[method] as (r: Request, c: unknown) => Promise<Response>)(req, params(p));
            expect([401, 403], `${method} ${file} (${carry}) → ${res.status}`).toContain(res.status);
          }
        }
      }
      const after = await stateCounts();
      expect({ ...after, audit: 0 }).toEqual({ ...before, audit: 0 });
    },
  );
});

describe("break-glass is on-call only, time-boxed and personal", () => {
  it.each([
    ["a reviewer", "reviewer"],
    ["an admin", "admin"],
  ])("%s cannot open break-glass, even with the right password", async (_l, who) => {
    const email = `${who}.bg@example.com`;
    const r = await consolePost(openRoute, u[who]!, "/api/console/break-glass", { password: `pw-${email}`, reason: "incident 42", duration_minutes: 15 });
    expect(r.status).toBe(403);
    expect(await db().breakGlassSession.count({ where: { userId: u[who]! } })).toBe(0);
  });

  it("a duration over 60 minutes is refused", async () => {
    const r = await consolePost(openRoute, u.oncall!, "/api/console/break-glass", { password: "pw-oncall.bg@example.com", reason: "incident", duration_minutes: 61 });
    expect(r.status).toBe(422);
    expect(await db().breakGlassSession.count({ where: { userId: u.oncall! } })).toBe(0);
  });

  it("past its end (before any sweep) it approves nothing and mints nothing", async () => {
    const s = await openBreakGlass(u.oncall!, { password: "pw-oncall.bg@example.com", reason: "incident 7", duration_minutes: 5 });
    const a = await destructive();
    await db().breakGlassSession.update({ where: { id: s.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const approve = await consolePost(bgApproveRoute, u.oncall!, "/api/console/break-glass/approve", { session_id: s.id, action_id: a.action_id });
    expect(approve.status).toBe(403);
    expect(approve.body.error.reason).toBe("break_glass_not_open");
    const mint = await consolePost(bgMintRoute, u.oncall!, "/api/console/break-glass/mint-token", {
      session_id: s.id,
      run_id: runId,
      tool: "ticket.close",
      args: { ticket_id: "T-5" },
    });
    expect(mint.status).toBe(403);
    const row = await db().action.findUniqueOrThrow({ where: { id: a.action_id } });
    expect(row.status).toBe("pending");
    expect(await db().issuedToken.count({ where: { actionId: a.action_id } })).toBe(0);
  });

  it("another on-call cannot use someone else's open session", async () => {
    const s = await openBreakGlass(u.oncall2!, { password: "pw-oncall2.bg@example.com", reason: "incident 8", duration_minutes: 5 });
    const a = await destructive();
    const r = await consolePost(bgApproveRoute, u.oncall!, "/api/console/break-glass/approve", { session_id: s.id, action_id: a.action_id });
    expect(r.status).toBe(403);
    expect((await db().action.findUniqueOrThrow({ where: { id: a.action_id } })).status).toBe("pending");
  });

  it("losing the on-call role ends the powers of an open session at once", async () => {
    const id = await makeUser("oncall3.bg@example.com", ["oncall", "reviewer"]);
    const s = await openBreakGlass(id, { password: "pw-oncall3.bg@example.com", reason: "incident 9", duration_minutes: 5 });
    await db().user.update({ where: { id }, data: { roles: "reviewer" } });
    const a = await destructive();
    const r = await consolePost(bgApproveRoute, id, "/api/console/break-glass/approve", { session_id: s.id, action_id: a.action_id });
    expect(r.status).toBe(403);
    expect(await db().issuedToken.count({ where: { actionId: a.action_id } })).toBe(0);
  });
});

describe("widening a policy needs a second admin", () => {
  it("a widening stays pending; its author cannot approve it (library or console); the live policy is unchanged", async () => {
    const { policy: before } = await db().$transaction((tx) => loadActivePolicy(tx, "research"));
    const wider = { ...before, budgets: { ...before.budgets, steps: 10_000 }, allow_tools: [...before.allow_tools, "tickets.get"] };
    const r = await proposePolicyChange({ route: "research", policy: wider, reason: "go faster", actorId: u.admin! });
    expect(r.status).toBe("pending");
    const err = await appError(approvePolicyChange({ versionId: r.id, actorId: u.admin! }));
    expect(err.reason).toBe("author_cannot_approve");
    const viaConsole = await consolePost(policyApproveRoute, u.admin!, `/api/console/policies/changes/${r.id}/approve`, {}, { id: r.id });
    expect(viaConsole.status).toBe(403);
    const asReviewer = await consolePost(policyApproveRoute, u.reviewer!, `/api/console/policies/changes/${r.id}/approve`, {}, { id: r.id });
    expect(asReviewer.status).toBe(403);
    const { policy: still } = await db().$transaction((tx) => loadActivePolicy(tx, "research"));
    expect(still).toEqual(before);
    const ok = await consolePost(policyApproveRoute, u.admin2!, `/api/console/policies/changes/${r.id}/approve`, {}, { id: r.id });
    expect(ok.status).toBe(200);
    const { policy: now } = await db().$transaction((tx) => loadActivePolicy(tx, "research"));
    expect(now.budgets.steps).toBe(10_000);
  });

  it("a widening that breaks a policy test is blocked even with a second admin", async () => {
    const { policy: before } = await db().$transaction((tx) => loadActivePolicy(tx, "support/draft"));
    const wider = { ...before, deny_tools: before.deny_tools.filter((t: string) => t !== "email.send"), allow_tools: [...before.allow_tools, "email.send"] };
    const r = await proposePolicyChange({ route: "support/draft", policy: wider, reason: "let it send", actorId: u.admin! });
    expect(r.status).toBe("blocked");
    const { policy: still } = await db().$transaction((tx) => loadActivePolicy(tx, "support/draft"));
    expect(still.allow_tools).not.toContain("email.send");
  });
});
