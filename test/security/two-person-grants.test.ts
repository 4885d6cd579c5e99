import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "../support/demo-db";
import { makeUser } from "../support/fixtures";
import { db } from "@/lib/db/client";
import { createCredential } from "@/lib/agents/create-credential";
import { verifyPassword } from "@/lib/auth/password";
import { DEMO_USERS } from "@/lib/seed/demo-data";
import { call } from "./helpers";
import { consoleFetch, signIn, startConsoleServer, type ConsoleServer, type CookieJar } from "./console-server";

// Threat: one rogue admin defeats a two-person rule by manufacturing the
// second person — creating a second admin (or two reviewers), re-enabling a
// disabled one, or resetting another admin's password — and then approving
// with that account. Against the real server (`npm start`'s scripts/serve.ts),
// with real sign-ins, cookies and CSRF tokens.

let ctx: Awaited<ReturnType<typeof freshDemoDb>>;
let server: ConsoleServer;
let base: string;
let agentKey: string;
const pw = (email: string) => "pw-" + email;
const jars = new Map<string, CookieJar>();
let n = 0;

/** A signed-in console session for `email` (cached); a fresh sign-in, so the destructive step-up is not what stops a vote. */
async function as(email: string, password = pw(email)): Promise<CookieJar> {
  const cached = jars.get(email);
  if (cached) return cached;
  const jar = await signIn(base, email, password);
  jars.set(email, jar);
  return jar;
}

const api = async (email: string, p: string, method = "GET", body?: unknown) => {
  const res = await consoleFetch(base, await as(email), p, { method, body });
  const text = await res.text();
  let json: Record<string, any> = {};
  try {
    json = JSON.parse(text) as Record<string, any>;
  } catch {
    json = {};
  }
  return { status: res.status, body: json };
};

const ROOT = "root.grants@example.com";
const SECOND = "second.grants@example.com";
const THIRD = "third.grants@example.com";
const OLD_REVIEWER = "old-reviewer.grants@example.com";
const OLD_REVIEWER_2 = "old-reviewer2.grants@example.com";

beforeAll(async () => {
  ctx = await freshDemoDb();
  // Production refuses live demo data: keep the demo tools and routes, retire the demo accounts and keys.
  await db().user.updateMany({ where: { email: { in: DEMO_USERS.map((u) => u.email) } }, data: { disabled: true } });
  await db().agentCredential.updateMany({ data: { revokedAt: new Date() } });
  agentKey = (await createCredential({ name: "grants-agent", tenantId: "acme", env: "prod", routes: ["support/send", "support/draft"] })).key;
  // Accounts made outside the console (seed / CLI): no elevation record, they count as independent people.
  await makeUser(ROOT, ["admin", "oncall"]);
  await makeUser(SECOND, ["admin"]);
  await makeUser(THIRD, ["admin"]);
  await makeUser(OLD_REVIEWER, ["reviewer"]);
  await makeUser(OLD_REVIEWER_2, ["reviewer"]);
  server = await startConsoleServer(ctx.databaseUrl, ctx.dataDir);
  base = server.url;
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await ctx?.cleanup();
});

/** Root asks to create `email` with `roles`; returns the pending grant's id (or null when the server created it at once). */
async function requestCreate(email: string, roles: string[]): Promise<{ status: number; grantId: string | null }> {
  const r = await api(ROOT, "/api/console/users", "POST", { email, name: email.split("@")[0], password: pw(email), roles });
  return { status: r.status, grantId: (r.body.grant_id as string | undefined) ?? null };
}

/** Create `email` as root and have `approver` approve it; returns the new user's id. */
async function createApproved(email: string, roles: string[], approver = SECOND): Promise<string> {
  const { grantId } = await requestCreate(email, roles);
  if (grantId) expect((await api(approver, `/api/console/user-grants/${grantId}/approve`, "POST", {})).status).toBe(200);
  return (await db().user.findUniqueOrThrow({ where: { email } })).id;
}

async function proposeDestructive(extra: Record<string, unknown> = {}): Promise<string> {
  const run = await call(base, "POST", "/api/v1/runs", agentKey, { route: "support/send" });
  expect(run.status).toBe(201);
  const p = await call(base, "POST", "/api/v1/actions", agentKey, {
    run_id: run.body.run_id,
    tool: "customer.delete",
    args: { customer_id: `C-${900 + ++n}` },
    idempotency_key: `grants-${n}`,
    ...extra,
  });
  expect(p.body.status).toBe("pending");
  return p.body.action_id as string;
}

const vote = (email: string, actionId: string) => api(email, `/api/console/actions/${actionId}/vote`, "POST", { vote: "approve" });

describe("granting a role that counts toward a two-person rule needs a second admin", () => {
  it("an admin creating an admin is a pending grant: no account until a different admin approves it; the requester cannot", async () => {
    const email = "new-admin.grants@example.com";
    const { status, grantId } = await requestCreate(email, ["admin"]);
    expect(status).toBe(202);
    expect(grantId).toBeTruthy();
    expect(await db().user.findUnique({ where: { email } })).toBeNull();
    await expect(signIn(base, email, pw(email))).rejects.toThrow();

    const own = await api(ROOT, `/api/console/user-grants/${grantId}/approve`, "POST", {});
    expect(own.status).toBe(403);
    expect(await db().user.findUnique({ where: { email } })).toBeNull();

    const listed = await api(SECOND, "/api/console/user-grants");
    expect(listed.status).toBe(200);
    expect((listed.body.grants as { id: string }[]).map((g) => g.id)).toContain(grantId);

    expect((await api(SECOND, `/api/console/user-grants/${grantId}/approve`, "POST", {})).status).toBe(200);
    const u = await db().user.findUniqueOrThrow({ where: { email } });
    expect(u.roles).toBe("admin");
    await as(email);
    const types = (await db().auditEvent.findMany({ where: { type: { startsWith: "user.grant_" } } })).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["user.grant_requested", "user.grant_approved"]));
  });

  it("a user without any such role is created at once (one person); a rejected grant changes nothing", async () => {
    const viewer = "viewer.grants@example.com";
    expect((await requestCreate(viewer, ["viewer"])).status).toBe(201);
    expect(await db().user.findUnique({ where: { email: viewer } })).not.toBeNull();

    const email = "rejected.grants@example.com";
    const { status, grantId } = await requestCreate(email, ["reviewer"]);
    expect(status).toBe(202);
    expect((await api(SECOND, `/api/console/user-grants/${grantId}/reject`, "POST", { reason: "no" })).status).toBe(200);
    expect((await api(THIRD, `/api/console/user-grants/${grantId}/approve`, "POST", {})).status).toBe(409);
    expect(await db().user.findUnique({ where: { email } })).toBeNull();
  });

  it("adding reviewer or admin to an existing user is pending; removing a role or disabling applies at once", async () => {
    const id = await makeUser("promote.grants@example.com", ["viewer"]);
    const r = await api(ROOT, `/api/console/users/${id}`, "PATCH", { roles: ["viewer", "reviewer"] });
    expect(r.status).toBe(202);
    expect((await db().user.findUniqueOrThrow({ where: { id } })).roles).toBe("viewer");
    expect((await api(SECOND, `/api/console/user-grants/${r.body.grant_id}/approve`, "POST", {})).status).toBe(200);
    expect((await db().user.findUniqueOrThrow({ where: { id } })).roles).toBe("viewer,reviewer");

    expect((await api(ROOT, `/api/console/users/${id}`, "PATCH", { roles: ["viewer"] })).status).toBe(200);
    expect((await db().user.findUniqueOrThrow({ where: { id } })).roles).toBe("viewer");
    expect((await api(ROOT, `/api/console/users/${id}`, "PATCH", { disabled: true })).status).toBe(200);
    expect((await db().user.findUniqueOrThrow({ where: { id } })).disabled).toBe(true);
  });

  it("re-enabling a disabled reviewer is pending until a second admin approves", async () => {
    const email = "dormant.grants@example.com";
    const id = await makeUser(email, ["reviewer"]);
    await db().user.update({ where: { id }, data: { disabled: true } });
    const r = await api(ROOT, `/api/console/users/${id}`, "PATCH", { disabled: false });
    expect(r.status).toBe(202);
    expect((await db().user.findUniqueOrThrow({ where: { id } })).disabled).toBe(true);
    await expect(signIn(base, email, pw(email))).rejects.toThrow();
    expect((await api(THIRD, `/api/console/user-grants/${r.body.grant_id}/approve`, "POST", {})).status).toBe(200);
    expect((await db().user.findUniqueOrThrow({ where: { id } })).disabled).toBe(false);
  });

  it("resetting another admin's password is pending; the target cannot approve it; the old password keeps working until approved", async () => {
    const target = await makeUser("reset-target.grants@example.com", ["admin"]);
    const r = await api(ROOT, `/api/console/users/${target}/password`, "POST", { password: "taken-over-password" });
    expect(r.status).toBe(202);
    const hash = (await db().user.findUniqueOrThrow({ where: { id: target } })).passwordHash!;
    expect(await verifyPassword(hash, "taken-over-password")).toBe(false);
    expect(await verifyPassword(hash, pw("reset-target.grants@example.com"))).toBe(true);
    expect((await api("reset-target.grants@example.com", `/api/console/user-grants/${r.body.grant_id}/approve`, "POST", {})).status).toBe(403);
    expect((await api(THIRD, `/api/console/user-grants/${r.body.grant_id}/approve`, "POST", {})).status).toBe(200);
    expect(await verifyPassword((await db().user.findUniqueOrThrow({ where: { id: target } })).passwordHash!, "taken-over-password")).toBe(true);
  });
});

describe("an account elevated recently does not count as the second person for whoever elevated it", () => {
  const PUPPET = "puppet-admin.grants@example.com";
  beforeAll(async () => {
    await createApproved(PUPPET, ["admin"], SECOND);
  });

  it("root's new admin cannot approve root's policy widening; an independent admin can", async () => {
    const detail = await db().route.findUniqueOrThrow({ where: { name: "support/draft" } });
    const active = await db().policyVersion.findUniqueOrThrow({ where: { routeId_version: { routeId: detail.id, version: detail.activeVersion } } });
    const policy = JSON.parse(active.policy) as { budgets: { steps: number } };
    policy.budgets.steps += 5;
    const p = await api(ROOT, "/api/console/policies/changes", "POST", { route: "support/draft", policy, reason: "more steps" });
    expect(p.status).toBe(202);
    const versionId = (await db().policyVersion.findFirstOrThrow({ where: { routeId: detail.id, status: "pending" } })).id;
    const puppet = await api(PUPPET, `/api/console/policies/changes/${versionId}/approve`, "POST", {});
    expect(puppet.status).toBe(403);
    expect(puppet.body.error?.reason ?? puppet.body.reason).toBe("not_independent");
    expect((await db().policyVersion.findUniqueOrThrow({ where: { id: versionId } })).status).toBe("pending");
    expect((await api(THIRD, `/api/console/policies/changes/${versionId}/approve`, "POST", {})).status).toBe(200);
  });

  it("root's new admin cannot approve root's catalog widening (a lowered tool kind)", async () => {
    const tool = await db().tool.findUniqueOrThrow({ where: { name: "ticket.close" } });
    const entry = {
      name: tool.name,
      kind: "read",
      description: tool.description,
      argsSchema: JSON.parse(tool.argsSchema),
      summaryTemplate: tool.summaryTemplate,
      blastRadius: JSON.parse(tool.blastRadius),
      undo: JSON.parse(tool.undo),
    };
    const r = await api(ROOT, "/api/console/tools/ticket.close", "PUT", { entry });
    expect(r.status).toBe(202);
    const puppet = await api(PUPPET, `/api/console/tools/changes/${r.body.requestSeq}/approve`, "POST", {});
    expect(puppet.status).toBe(403);
    expect((await db().tool.findUniqueOrThrow({ where: { name: "ticket.close" } })).kind).toBe(tool.kind);
  });

  it("root's new admin cannot approve root's next grant", async () => {
    const { grantId } = await requestCreate("another.grants@example.com", ["admin"]);
    expect((await api(PUPPET, `/api/console/user-grants/${grantId}/approve`, "POST", {})).status).toBe(403);
    expect(await db().user.findUnique({ where: { email: "another.grants@example.com" } })).toBeNull();
  });

  it("two reviewers that root created (even with a second admin's approval) cannot approve a destructive action together", async () => {
    const a = "rev-a.grants@example.com";
    const b = "rev-b.grants@example.com";
    await createApproved(a, ["reviewer"]);
    await createApproved(b, ["reviewer"]);
    const actionId = await proposeDestructive();
    const first = await vote(a, actionId);
    expect(first.status).toBe(200);
    expect(first.body.status).toBe("pending");
    const second = await vote(b, actionId);
    expect(second.status).toBe(403);
    expect(await db().issuedToken.count({ where: { actionId } })).toBe(0);
    expect((await db().action.findUniqueOrThrow({ where: { id: actionId } })).status).toBe("pending");
    // An independent reviewer is a real second person.
    const third = await vote(OLD_REVIEWER, actionId);
    expect(third.status).toBe(200);
    expect(third.body.status).toBe("approved");
  });

  it("a reviewer the on_behalf_of human elevated recently cannot approve that human's action", async () => {
    const puppet = "obo-puppet.grants@example.com";
    await createApproved(puppet, ["reviewer"]);
    const actionId = await proposeDestructive({ on_behalf_of: ROOT.toUpperCase() });
    const r = await vote(puppet, actionId);
    expect(r.status).toBe(403);
    expect(r.body.error.reason).toBe("not_independent");
    expect(await db().approval.count({ where: { actionId } })).toBe(0);
    expect(await db().auditEvent.count({ where: { type: "approval.refused", reason: "not_independent" } })).toBeGreaterThan(0);
  });

  it("two long-standing reviewers still approve a destructive action together", async () => {
    const actionId = await proposeDestructive();
    expect((await vote(OLD_REVIEWER, actionId)).body.status).toBe("pending");
    expect((await vote(OLD_REVIEWER_2, actionId)).body.status).toBe("approved");
  });

  it("someone root elevated recently cannot acknowledge the review of root's break-glass session", async () => {
    const reviewer = "bg-review.grants@example.com";
    await createApproved(reviewer, ["reviewer"]);
    const rootId = (await db().user.findUniqueOrThrow({ where: { email: ROOT } })).id;
    const s = await db().breakGlassSession.create({
      data: { userId: rootId, reason: "incident", startedAt: new Date(Date.now() - 20 * 60_000), expiresAt: new Date(Date.now() - 5 * 60_000) },
    });
    expect((await api(reviewer, `/api/console/break-glass/${s.id}/review`, "POST", {})).status).toBe(403);
    expect((await db().breakGlassSession.findUniqueOrThrow({ where: { id: s.id } })).reviewById).toBeNull();
    expect((await api(OLD_REVIEWER, `/api/console/break-glass/${s.id}/review`, "POST", {})).status).toBe(200);
  });
});
