import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encode } from "next-auth/jwt";
import { freshDb } from "./support/db";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { hashPassword } from "@/lib/auth/password";
import { generateAgentKey } from "@/lib/agents/credential-key";
import { assertRole, getSessionUser, requireRoleFor } from "@/lib/auth/session";
import { sessionCookieName } from "@/lib/auth/session-cookie";
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { GET as getPolicies } from "@/app/api/console/policies/route";

let cleanup: () => Promise<void>;
const ids: Record<string, string> = {};

async function makeUser(email: string, roles: string, extra: { disabled?: boolean } = {}) {
  const u = await db().user.create({
    data: { email, name: email.split("@")[0]!, roles, passwordHash: await hashPassword("pw-" + email), ...extra },
  });
  ids[email] = u.id;
  return u;
}

/** A request carrying a real next-auth session cookie for the user. */
async function asUser(userId: string, init: RequestInit = {}, url = "http://localhost:3000/api/console/policies"): Promise<Request> {
  const token = await encode({ token: { sub: userId }, secret: env().sessionSecret, maxAge: 3600 });
  const headers = new Headers(init.headers);
  headers.set("cookie", `${sessionCookieName()}=${token}`);
  return new Request(url, { ...init, headers });
}

const noParams = { params: Promise.resolve({}) };

async function expectAppError(p: Promise<unknown>, code: string) {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
}

beforeAll(async () => {
  ({ cleanup } = await freshDb());
  await makeUser("admin@t.local", "admin");
  await makeUser("reviewer@t.local", "reviewer");
  await makeUser("viewer@t.local", "viewer");
  await makeUser("gone@t.local", "admin", { disabled: true });
  await makeUser("norole@t.local", "");
});
afterAll(() => cleanup());

describe("requireRole: 401 without a session, 403 without the role", () => {
  it("no cookie is unauthenticated (401)", async () => {
    await expectAppError(requireRoleFor(new Request("http://localhost/x"), "viewer"), "unauthenticated");
  });

  it("a user without any of the roles is forbidden (403)", async () => {
    await expectAppError(requireRoleFor(await asUser(ids["viewer@t.local"]!), "admin"), "forbidden");
    await expectAppError(requireRoleFor(await asUser(ids["norole@t.local"]!), "viewer", "reviewer", "admin", "oncall"), "forbidden");
  });

  it("admin does not implicitly hold reviewer", async () => {
    await expectAppError(requireRoleFor(await asUser(ids["admin@t.local"]!), "reviewer"), "forbidden");
    const reviewerOnly = consoleHandler(["reviewer"], async () => json({ ok: true }));
    expect((await reviewerOnly(await asUser(ids["admin@t.local"]!), noParams)).status).toBe(403);
    expect((await reviewerOnly(await asUser(ids["reviewer@t.local"]!), noParams)).status).toBe(200);
  });

  it("any one of the listed roles is enough", async () => {
    const u = await requireRoleFor(await asUser(ids["reviewer@t.local"]!), "admin", "reviewer");
    expect(u.email).toBe("reviewer@t.local");
    expect(u.roles).toEqual(["reviewer"]);
  });

  it("assertRole is the single check: null user → 401, missing role → 403", () => {
    expect(() => assertRole(null, ["admin"])).toThrow(expect.objectContaining({ code: "unauthenticated" }));
    expect(() => assertRole({ id: "u", email: "e", name: "n", roles: ["viewer"], scopes: "all", roleScopes: {} }, ["admin"])).toThrow(
      expect.objectContaining({ code: "forbidden" }),
    );
  });
});

describe("the session only identifies; the database decides", () => {
  it("a disabled user's still-valid cookie is no session", async () => {
    expect(await getSessionUser(await asUser(ids["gone@t.local"]!))).toBeNull();
  });

  it("a role change takes effect on the next request", async () => {
    const id = ids["viewer@t.local"]!;
    const req = await asUser(id);
    await expectAppError(requireRoleFor(req, "admin"), "forbidden");
    await db().user.update({ where: { id }, data: { roles: "viewer,admin" } });
    expect((await requireRoleFor(await asUser(id), "admin")).roles).toContain("admin");
    await db().user.update({ where: { id }, data: { roles: "viewer" } });
  });

  it("a tampered or foreign-secret cookie is no session", async () => {
    const forged = await encode({ token: { sub: ids["admin@t.local"]! }, secret: "x".repeat(40), maxAge: 3600 });
    const req = new Request("http://localhost/x", { headers: { cookie: `${sessionCookieName()}=${forged}` } });
    expect(await getSessionUser(req)).toBeNull();
  });
});

describe("GET /api/console/policies is admin-only", () => {
  it("401 JSON without a session", async () => {
    const res = await getPolicies(new Request("http://localhost:3000/api/console/policies"), noParams);
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe("unauthenticated");
  });

  it("an agent key is never a console session (401)", async () => {
    const { key, prefix, hash } = generateAgentKey();
    await db().tenant.create({ data: { id: "acme", name: "Acme" } });
    await db().agentCredential.create({
      data: { name: "bot", tenantId: "acme", env: "prod", routes: "[]", keyPrefix: prefix, keyHash: hash, callbackSecret: "s" },
    });
    // Even an agent key that is a valid next-auth JWT format would not count: only cookies are read.
    const jwtLike = await encode({ token: { sub: ids["admin@t.local"]! }, secret: env().sessionSecret, maxAge: 3600 });
    for (const bearer of [key, jwtLike]) {
      const res = await getPolicies(new Request("http://localhost:3000/api/console/policies", { headers: { authorization: `Bearer ${bearer}` } }), noParams);
      expect(res.status).toBe(401);
    }
  });

  it("403 for a viewer and a reviewer, 200 for an admin", async () => {
    expect((await getPolicies(await asUser(ids["viewer@t.local"]!), noParams)).status).toBe(403);
    expect((await getPolicies(await asUser(ids["reviewer@t.local"]!), noParams)).status).toBe(403);
    const ok = await getPolicies(await asUser(ids["admin@t.local"]!), noParams);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ routes: [] });
  });
});
