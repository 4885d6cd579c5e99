import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { createCredential } from "@/lib/agents/create-credential";
import { freshDemoDb } from "../support/demo-db";
import { makeUser } from "../support/fixtures";
import { call } from "./helpers";
import { consoleFetch, signIn, startConsoleServer, type ConsoleServer } from "./console-server";

// The breaker per scope against the real production server (scripts/serve.ts:
// agent API and Next.js in one process): agents trip one scope over HTTP; an
// admin signed in through next-auth (cookies, CSRF) sees breakers by scope on
// the route's detail and resets one scope; a reviewer cannot.

const ROUTE = "support/draft";
let ctx: Awaited<ReturnType<typeof freshDemoDb>>;
let server: ConsoleServer;
let acmeKey: string;
let globexKey: string;
let n = 0;

beforeAll(async () => {
  ctx = await freshDemoDb();
  // The production start refuses live demo accounts and keys: retire them, make our own.
  await db().user.updateMany({ data: { disabled: true } });
  await db().agentCredential.updateMany({ data: { revokedAt: new Date() } });
  acmeKey = (await createCredential({ name: "acme-http", tenantId: "acme", env: "prod", routes: [ROUTE] })).key;
  globexKey = (await createCredential({ name: "globex-http", tenantId: "globex", env: "prod", routes: [ROUTE] })).key;
  await makeUser("admin.brk@example.com", ["admin"], "admin-brk-password");
  await makeUser("reviewer.brk@example.com", ["reviewer"], "reviewer-brk-password");
  await db().route.update({ where: { name: ROUTE }, data: { breakerThreshold: 3 } });
  server = await startConsoleServer(ctx.databaseUrl, ctx.dataDir);
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await ctx?.cleanup();
});

const runOf = async (key: string) => (await call(server.url, "POST", "/api/v1/runs", key, { route: ROUTE })).body.run_id as string;
const propose = (key: string, runId: string, tool: string, args: Record<string, unknown>) =>
  call(server.url, "POST", "/api/v1/actions", key, { run_id: runId, tool, args, idempotency_key: `bh-${++n}` });

describe("breakers by scope, through the real server", () => {
  it("acme's denials open acme/prod only; the admin sees it by scope and resets that scope; a reviewer cannot", async () => {
    const acmeRun = await runOf(acmeKey);
    for (let i = 0; i < 3; i++) expect((await propose(acmeKey, acmeRun, "email.send", { to: "x@example.com" })).body.error?.reason).toBe("tool_denied");
    expect((await propose(acmeKey, acmeRun, "kb.search", { query: "q" })).body.error?.reason).toBe("circuit_open");
    expect((await propose(globexKey, await runOf(globexKey), "kb.search", { query: "q" })).status).toBe(200);

    const admin = await signIn(server.url, "admin.brk@example.com", "admin-brk-password");
    const detail = await consoleFetch(server.url, admin, `/api/console/policies/detail?route=${encodeURIComponent(ROUTE)}`);
    expect(detail.status).toBe(200);
    const scopes = ((await detail.json()) as { breaker: { scopes: { tenant: string; env: string; state: string }[] } }).breaker.scopes;
    expect(scopes.filter((s) => s.state === "open").map((s) => `${s.tenant}/${s.env}`)).toEqual(["acme/prod"]);

    const reset = (jar: typeof admin, body: Record<string, unknown>) =>
      consoleFetch(server.url, jar, "/api/console/routes/breaker", { method: "POST", body: { action: "reset", route: ROUTE, reason: "fixed the loop", ...body } });
    const reviewer = await signIn(server.url, "reviewer.brk@example.com", "reviewer-brk-password");
    expect((await reset(reviewer, { tenant: "acme", env: "prod" })).status).toBe(403);
    expect((await reset(admin, {})).status).toBe(422);
    expect((await propose(acmeKey, acmeRun, "kb.search", { query: "q" })).body.error?.reason).toBe("circuit_open");
    const ok = await reset(admin, { tenant: "acme", env: "prod" });
    expect(ok.status, await ok.clone().text()).toBe(200);
    expect((await propose(acmeKey, acmeRun, "kb.search", { query: "q" })).status).toBe(200);
  }, 120_000);
});
