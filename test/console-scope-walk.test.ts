import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "./support/demo-db";
import { makeUser } from "./support/fixtures";
import { demoAgent, sessionRequest, stateCounts } from "./security/helpers";
import { db } from "@/lib/db/client";
import { authenticateAgent, type AgentPrincipal } from "@/lib/agents/authenticate-agent";
import { startRun } from "@/lib/runs/start-run";
import { proposeAction } from "@/lib/actions/propose-action";
import { setKillSwitch } from "@/lib/kill-switches/set-kill-switch";

/**
 * Issue 22's must-show: every console API route, found from the file tree (a
 * new route cannot be left out), called as a user whose roles — all four of
 * them — are granted for acme only, against globex data. A route either
 * narrows to the user's scopes (scopedConsoleHandler) or refuses a restricted
 * user outright (403 scope_restricted); nothing it answers names globex, a
 * globex id is the same 404 as a missing one, no globex write happens, and
 * adding more globex data changes nothing the acme user sees.
 */

const ROOT = path.join(process.cwd(), "app/api/console");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
const BASE = "http://localhost:3000";

function routeFiles(dir = ROOT): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? routeFiles(path.join(dir, e.name)) : e.name === "route.ts" ? [path.join(dir, e.name)] : []));
}

type Ids = { action: string; seq: number };
let cleanup: () => Promise<void>;
let acmeAll: string; // every role, scopes acme/*
let acmeReviewer: string; // reviewer, acme/prod
let everyone: string; // reviewer, every tenant (the control)
let acme: Ids;
let globex: Ids;
const ctx = { requestId: "scope-walk" };

async function propose(tenant: string, env: string, tool: string, args: Record<string, unknown>): Promise<string> {
  const a = demoAgent(tenant, env, "support/send");
  const principal: AgentPrincipal = await authenticateAgent(new Request("http://x", { headers: { authorization: `Bearer ${a.key}` } }));
  const run = await startRun(principal, "support/send", ctx);
  const r = await proposeAction(principal, { run_id: run.run_id, tool, args, reason: `${tenant} needs it`, idempotency_key: `walk-${tenant}-${JSON.stringify(args)}` }, ctx);
  return r.view.action_id;
}

async function globexData(tag: string): Promise<Ids> {
  const action = await propose("globex", "prod", "ticket.close", { ticket_id: `T-90${tag}`, resolution: `globex secret ${tag}` });
  await setKillSwitch({ scope: "tenant", tenantId: "globex", enabled: false, reason: `globex ${tag}`, actorId: everyone, requestId: "scope-walk" });
  const ev = await db().auditEvent.findFirstOrThrow({ where: { tenantId: "globex", actionId: action }, orderBy: { seq: "desc" } });
  return { action, seq: Number(ev.seq) };
}

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  acmeAll = await makeUser("acme.all@example.com", ["viewer", "reviewer", "admin", "oncall"]);
  acmeReviewer = await makeUser("acme.reviewer@example.com", ["reviewer"]);
  everyone = await makeUser("all.reviewer@example.com", ["reviewer", "viewer", "admin", "oncall"]);
  await db().user.update({ where: { id: acmeAll }, data: { scopes: "acme/*" } });
  await db().user.update({ where: { id: acmeReviewer }, data: { scopes: "acme/prod" } });
  const acmeAction = await propose("acme", "prod", "ticket.close", { ticket_id: "T-801", resolution: "acme fixed" });
  acme = { action: acmeAction, seq: Number((await db().auditEvent.findFirstOrThrow({ where: { actionId: acmeAction }, orderBy: { seq: "desc" } })).seq) };
  globex = await globexData("1");
}, 120_000);
afterAll(() => cleanup());

/** The URL path for a route file, its [params] filled in. */
function urlFor(file: string, p: { id: string; seq: string }): { url: string; params: Record<string, string> } {
  const rel = path.relative(ROOT, path.dirname(file)).split(path.sep).filter(Boolean);
  const params: Record<string, string> = {};
  const parts = rel.map((seg) => {
    const m = /^\[(\w+)\]$/.exec(seg);
    if (!m) return seg;
    const v = m[1] === "seq" ? p.seq : m[1] === "name" ? "ticket.close" : p.id;
    params[m[1]!] = v;
    return encodeURIComponent(v);
  });
  return { url: `/api/console/${parts.join("/")}`, params };
}

const QUERIES: Record<string, string[]> = {
  "/api/console/actions": ["", "?view=history", "?tenant=globex", "?view=history&tenant=globex"],
  "/api/console/audit": ["", "?tenant=globex"],
  "/api/console/audit/export": ["?format=jsonl", "?format=csv&tenant=globex"],
};

/** A body that would act on globex if the route let it. */
function bodyFor(url: string): unknown {
  if (url.endsWith("/vote")) return { vote: "approve" };
  if (url.endsWith("/edit")) return { args: { ticket_id: "T-901", resolution: "edited" } };
  if (url.endsWith("/kill-switches")) return { scope: "tenant", tenantId: "globex", enabled: false, reason: "acme user flips globex" };
  if (url.includes("/break-glass/approve")) return { session_id: "x", action_id: globex.action };
  return {};
}

type Answer = { status: number; text: string; json: Record<string, any> | null };

async function callRoute(file: string, method: (typeof METHODS)[number], user: string, p: { id: string; seq: string }, query = "", body?: unknown): Promise<Answer | null> {
  const mod = (await import(/* @vite-ignore */ file)) as Record<string, unknown>;
  const fn = mod[method] as ((req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>) | undefined;
  if (!fn) return null;
  const { url, params } = urlFor(file, p);
  const init: RequestInit = { method, headers: { "x-gatehouse-console": "1", "content-type": "application/json" } };
  if (method !== "GET" && method !== "DELETE") init.body = JSON.stringify(body ?? bodyFor(url));
  const res = await fn(await sessionRequest(user, `${BASE}${url}${query}`, init), { params: Promise.resolve(params) });
  const text = await res.text();
  let json: Record<string, any> | null = null;
  try {
    json = JSON.parse(text) as Record<string, any>;
  } catch {
    json = null;
  }
  return { status: res.status, text, json };
}

const isScoped = (file: string) => /\bscopedConsoleHandler\b/.test(fs.readFileSync(file, "utf8"));

/** The answer without what changes by itself (clocks, request ids, the version counter's absolute value stays). */
function normalize(a: Answer): string {
  return a.text.replace(/"(serverTime|generatedAt|at|request_id|requestId)":"[^"]*"/g, '"$1":"-"').replace(/gatehouse-audit-[0-9TZ-]+/g, "gatehouse-audit-x");
}

describe("console scope walk: a user of acme against globex data", () => {
  const files = routeFiles();

  it("finds every console route (the walk cannot miss one)", () => {
    expect(files.length).toBeGreaterThanOrEqual(50);
    expect(files.some((f) => f.endsWith(path.join("actions", "[id]", "vote", "route.ts")))).toBe(true);
  });

  it("every route either narrows to acme or refuses; nothing names globex; no globex write happens", async () => {
    const before = await stateCounts();
    const killBefore = await db().killSwitch.findUniqueOrThrow({ where: { key: "tenant:globex" } });
    const seen: string[] = [];
    for (const file of files) {
      for (const method of METHODS) {
        const { url } = urlFor(file, { id: globex.action, seq: String(globex.seq) });
        for (const q of method === "GET" ? (QUERIES[url] ?? [""]) : [""]) {
          for (const user of [acmeAll, acmeReviewer]) {
            const a = await callRoute(file, method, user, { id: globex.action, seq: String(globex.seq) }, q);
            if (!a) continue;
            seen.push(`${method} ${url}${q}`);
            const where = `${method} ${url}${q} as ${user === acmeAll ? "acme/* (all roles)" : "acme/prod reviewer"}`;
            expect(a.status, `${where}: never a server error`).toBeLessThan(500);
            expect(a.text.toLowerCase(), `${where} names globex`).not.toContain("globex");
            expect(a.text, `${where} shows the globex action`).not.toContain(globex.action);
            if (!isScoped(file) && user === acmeAll) {
              expect(a.status, `${where}: a route that is not tenant-scoped refuses a restricted user`).toBe(403);
              expect(a.json?.error?.reason ?? a.json?.reason, where).toBe("scope_restricted");
            }
          }
        }
      }
    }
    expect(seen.length).toBeGreaterThanOrEqual(files.length);
    // Nothing was voted, extended, edited, flipped or minted for globex.
    expect(await stateCounts()).toMatchObject({ action: before.action, run: before.run, issuedToken: before.issuedToken, approval: before.approval });
    const g = await db().action.findUniqueOrThrow({ where: { id: globex.action } });
    expect(g.status).toBe("pending");
    expect(g.expiresAt?.getTime()).toBeDefined();
    expect(await db().actionEdit.count({ where: { actionId: globex.action } })).toBe(0);
    expect((await db().killSwitch.findUniqueOrThrow({ where: { key: "tenant:globex" } })).enabled).toBe(killBefore.enabled);
  }, 300_000);

  it("a globex id is the same 404 as a missing one, on every route that takes an id", async () => {
    const withId = files.filter((f) => /\[(id|seq)\]/.test(f) && isScoped(f));
    expect(withId.length).toBeGreaterThanOrEqual(5);
    for (const file of withId) {
      for (const method of METHODS) {
        const foreign = await callRoute(file, method, acmeAll, { id: globex.action, seq: String(globex.seq) });
        if (!foreign) continue;
        const missing = await callRoute(file, method, acmeAll, { id: "act_does_not_exist_00000", seq: "987654321" });
        const { url } = urlFor(file, { id: "ID", seq: "SEQ" });
        expect(foreign.status, `${method} ${url}`).toBe(404);
        expect({ status: foreign.status, error: { ...foreign.json?.error, request_id: undefined } }, `${method} ${url}`).toEqual({
          status: missing!.status,
          error: { ...missing!.json?.error, request_id: undefined },
        });
      }
    }
  }, 120_000);

  it("adding globex data changes nothing an acme user reads (counts and charts included)", async () => {
    const reads = files.filter((f) => isScoped(f) && !/\[(id|seq)\]/.test(f));
    const snapshot = async () => {
      const out: Record<string, string> = {};
      for (const file of reads) {
        const { url } = urlFor(file, { id: "-", seq: "-" });
        for (const q of QUERIES[url] ?? [""]) {
          const a = await callRoute(file, "GET", acmeAll, { id: "-", seq: "-" }, q);
          if (a) out[url + q] = normalize(a);
        }
      }
      return out;
    };
    const first = await snapshot();
    expect(Object.keys(first)).toEqual(
      expect.arrayContaining(["/api/console/actions", "/api/console/summary", "/api/console/metrics", "/api/console/audit", "/api/console/kill-switches"]),
    );
    await globexData("2");
    await globexData("3");
    expect(await snapshot()).toEqual(first);
  }, 120_000);

  it("the same user does see acme, and an unrestricted reviewer sees globex (the walk is not vacuous)", async () => {
    const list = routeFiles().find((f) => f.endsWith(path.join("console", "actions", "route.ts")))!;
    const detail = routeFiles().find((f) => f.endsWith(path.join("actions", "[id]", "route.ts")))!;
    const mine = await callRoute(list, "GET", acmeReviewer, { id: "-", seq: "-" });
    expect(mine!.status).toBe(200);
    expect(mine!.json!.items.map((i: { id: string }) => i.id)).toContain(acme.action);
    expect(mine!.json!.items.every((i: { tenantId?: string; tenant?: string }) => (i.tenantId ?? i.tenant) === "acme")).toBe(true);
    expect((await callRoute(detail, "GET", acmeReviewer, { id: acme.action, seq: "-" }))!.status).toBe(200);
    const all = await callRoute(list, "GET", everyone, { id: "-", seq: "-" });
    expect(all!.json!.items.map((i: { id: string }) => i.id)).toContain(globex.action);
    expect((await callRoute(detail, "GET", everyone, { id: globex.action, seq: "-" }))!.status).toBe(200);
  }, 60_000);

  it("an acme/prod reviewer's vote on acme/prod goes through; on globex it is refused before anything is recorded", async () => {
    const vote = routeFiles().find((f) => f.endsWith(path.join("actions", "[id]", "vote", "route.ts")))!;
    const ok = await callRoute(vote, "POST", acmeReviewer, { id: acme.action, seq: "-" });
    expect(ok!.status, ok!.text).toBe(200);
    expect(await db().approval.count({ where: { actionId: acme.action, userId: acmeReviewer } })).toBe(1);
    const refused = await callRoute(vote, "POST", acmeReviewer, { id: globex.action, seq: "-" });
    expect(refused!.status).toBe(404);
    expect(await db().approval.count({ where: { actionId: globex.action } })).toBe(0);
  }, 60_000);
});

describe("per-role scopes: admin for globex, reviewer only for acme/prod", () => {
  let mixed: string;
  let acmeFresh: string;
  const route = (...tail: string[]) => routeFiles().find((f) => f.endsWith(path.join(...tail, "route.ts")))!;
  beforeAll(async () => {
    mixed = await makeUser("mixed@example.com", ["reviewer", "admin"]);
    // The default (`scopes`) is nowhere: every role the user holds has its own override.
    await db().user.update({ where: { id: mixed }, data: { scopes: "", roleScopes: "admin=globex/*;reviewer=acme/prod" } });
    acmeFresh = await propose("acme", "prod", "ticket.close", { ticket_id: "T-802", resolution: "acme again" });
  }, 60_000);

  it("as reviewer: cannot vote on globex (the same 404 as a missing id), the globex card says not a reviewer; votes on acme", async () => {
    const vote = route("actions", "[id]", "vote");
    const refused = await callRoute(vote, "POST", mixed, { id: globex.action, seq: "-" });
    const missing = await callRoute(vote, "POST", mixed, { id: "act_does_not_exist_00000", seq: "-" });
    expect(refused!.status).toBe(404);
    expect({ ...refused!.json?.error, request_id: undefined }).toEqual({ ...missing!.json?.error, request_id: undefined });
    expect(await db().approval.count({ where: { actionId: globex.action } })).toBe(0);
    // Seen as globex's admin (the detail route is open to every role): read-only, no vote, no card copy.
    const detail = await callRoute(route("actions", "[id]"), "GET", mixed, { id: globex.action, seq: "-" });
    expect(detail!.status).toBe(200);
    expect(JSON.stringify(detail!.json)).toContain("Only reviewers may vote.");
    const ok = await callRoute(vote, "POST", mixed, { id: acmeFresh, seq: "-" });
    expect(ok!.status, ok!.text).toBe(200);
    expect(await db().approval.count({ where: { actionId: acmeFresh, userId: mixed } })).toBe(1);
  }, 60_000);

  it("as admin: flips globex's kill switch, not acme's; reassigns on globex, an acme action is a 404", async () => {
    const kill = route("kill-switches");
    const acmeKill = await callRoute(kill, "POST", mixed, { id: "-", seq: "-" }, "", { scope: "tenant", tenantId: "acme", enabled: true, reason: "mixed flips acme" });
    expect(acmeKill!.status, acmeKill!.text).toBe(403);
    expect(acmeKill!.json?.error?.reason).toBe("scope_restricted");
    expect((await db().killSwitch.findUnique({ where: { key: "tenant:acme" } }))?.enabled ?? false).toBe(false);
    const globexKill = await callRoute(kill, "POST", mixed, { id: "-", seq: "-" }, "", { scope: "tenant", tenantId: "globex", enabled: false, reason: "mixed flips globex" });
    expect(globexKill!.status, globexKill!.text).toBe(200);
    const listed = await callRoute(kill, "GET", mixed, { id: "-", seq: "-" });
    expect(listed!.text).toContain("tenant:globex");
    expect(listed!.text).not.toContain("tenant:acme");
    const reassign = route("actions", "[id]", "reassign");
    const onGlobex = await callRoute(reassign, "POST", mixed, { id: globex.action, seq: "-" }, "", { user_id: everyone });
    expect(onGlobex!.status, onGlobex!.text).toBe(200);
    const onAcme = await callRoute(reassign, "POST", mixed, { id: acmeFresh, seq: "-" }, "", { user_id: everyone });
    expect(onAcme!.status).toBe(404);
  }, 60_000);

  it("reads: the queue shows acme (reviewer) and globex (admin), never another tenant; tenant-wide routes refuse a restricted admin", async () => {
    const pendingAcme = await propose("acme", "prod", "ticket.close", { ticket_id: "T-803", resolution: "acme pending" });
    const staging = await propose("acme", "staging", "ticket.close", { ticket_id: "T-804", resolution: "acme staging" });
    for (const q of ["", "?view=history"]) {
      const list = await callRoute(route("console", "actions"), "GET", mixed, { id: "-", seq: "-" }, q);
      const ids = list!.json!.items.map((i: { id: string }) => i.id);
      const tenants = new Set(list!.json!.items.map((i: { tenantId?: string; tenant?: string }) => i.tenantId ?? i.tenant));
      expect(
        [...tenants].every((t) => t === "acme" || t === "globex"),
        q,
      ).toBe(true);
      // acme/staging is outside both roles' scopes (reviewer is acme/prod only).
      expect(ids, q).not.toContain(staging);
      // The pending queue: acme through the reviewer role, globex through the admin role.
      if (q === "") expect(ids).toEqual(expect.arrayContaining([pendingAcme, globex.action]));
    }
    expect((await callRoute(route("actions", "[id]"), "GET", mixed, { id: staging, seq: "-" }))!.status).toBe(404);
    // An admin-only route that is not tenant-scoped (users): the admin role is restricted, so 403.
    const users = await callRoute(route("console", "users"), "GET", mixed, { id: "-", seq: "-" });
    expect(users!.status).toBe(403);
    expect(users!.json?.error?.reason).toBe("scope_restricted");
  }, 60_000);
});
