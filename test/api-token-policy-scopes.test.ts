import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "./support/demo-db";
import { makeUser } from "./support/fixtures";
import { params, sessionRequest } from "./security/helpers";
import { db } from "@/lib/db/client";
import { createApiToken } from "@/lib/auth/api-tokens";
import { GET as bundleRoute } from "@/app/api/cli/policies/bundle/route";
import { POST as applyRoute } from "@/app/api/cli/policies/apply/route";
import { POST as diffRoute } from "@/app/api/cli/policies/diff/route";
import { POST as testRoute } from "@/app/api/cli/policies/test/route";
import { POST as approveRoute } from "@/app/api/cli/policies/changes/[id]/approve/route";
import { GET as consolePolicies } from "@/app/api/console/policies/route";
import { POST as createTokenRoute } from "@/app/api/console/api-tokens/route";
import { GET as cliActions } from "@/app/api/cli/actions/route";

// Route policies, their tests and the catalog are global: the console refuses an admin restricted to some tenants
// on every policy route (scope_restricted), and a human API token's policy:* scopes follow the same rule — when the
// token is made and at every use, since the owner may be restricted later.

let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
}, 60_000);
afterAll(() => cleanup());

const POLICY_SCOPES = ["policy:read", "policy:write", "policy:approve"] as const;
const bearer = (token: string, url: string, init: RequestInit = {}) =>
  new Request(`http://localhost:3000${url}`, { ...init, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } });

async function policyState() {
  return {
    versions: await db().policyVersion.count(),
    tests: await db().policyTest.count(),
    deletions: await db().policyTest.count({ where: { deleteRequestedAt: { not: null } } }),
  };
}

/** Every CLI policy route with `token`, each with a body it would accept: the statuses, in order. */
async function everyPolicyRoute(token: string, bundle: unknown): Promise<number[]> {
  const send = JSON.stringify({ bundle, reason: "restricted admin" });
  return [
    (await bundleRoute(bearer(token, "/api/cli/policies/bundle"), params({}))).status,
    (await diffRoute(bearer(token, "/api/cli/policies/diff", { method: "POST", body: send }), params({}))).status,
    (await testRoute(bearer(token, "/api/cli/policies/test", { method: "POST", body: send }), params({}))).status,
    (await applyRoute(bearer(token, "/api/cli/policies/apply", { method: "POST", body: send }), params({}))).status,
    (await approveRoute(bearer(token, "/api/cli/policies/changes/pv_x/approve", { method: "POST" }), params({ id: "pv_x" }))).status,
  ];
}

/** The bundle as an unrestricted admin exports it, with a narrowing (support/send's steps down to 1) and a new test. */
async function narrowingBundle(token: string) {
  const b = await (await bundleRoute(bearer(token, "/api/cli/policies/bundle"), params({}))).json();
  const send = b.routes.find((r: { name: string }) => r.name === "support/send");
  send.policy.budgets = { ...send.policy.budgets, steps: 1 };
  send.tests.push({ tool: "kb.search", expect: "allowed" });
  return b;
}

describe("policy:* tokens need an admin for every tenant", () => {
  it("an admin restricted to one tenant cannot make a policy token (console or lib), but can make an actions token", async () => {
    const a = await makeUser("acme.admin@example.com", ["admin", "reviewer"]);
    await db().user.update({ where: { id: a }, data: { scopes: "acme/*" } });
    // The console's rule, for reference.
    expect((await consolePolicies(await sessionRequest(a, "http://localhost:3000/api/console/policies"), params({}))).status).toBe(403);
    for (const scope of POLICY_SCOPES) {
      await expect(createApiToken({ name: "cli", scopes: [scope] }, { actorId: a })).rejects.toMatchObject({ code: "forbidden", reason: "scope_restricted" });
      const res = await createTokenRoute(
        await sessionRequest(a, "http://localhost:3000/api/console/api-tokens", {
          method: "POST",
          headers: { "x-gatehouse-console": "1", "content-type": "application/json" },
          body: JSON.stringify({ name: "cli", scopes: [scope] }),
        }),
        params({}),
      );
      expect(res.status).toBe(403);
      expect((await res.json()).error.reason).toBe("scope_restricted");
    }
    expect(await db().apiToken.count({ where: { userId: a } })).toBe(0);
    // A tenant-scoped token scope is not affected: it narrows to the owner's tenants instead.
    const ok = await createApiToken({ name: "queue", scopes: ["actions:read"] }, { actorId: a });
    expect(ok.tenantScopes).toBe("acme/*");
  });

  it("per-role scopes: an admin role restricted to one tenant is refused though the user's other scopes are all", async () => {
    const a = await makeUser("role.admin@example.com", ["admin", "viewer"]);
    await db().user.update({ where: { id: a }, data: { scopes: "*", roleScopes: "admin=globex/*" } });
    await expect(createApiToken({ name: "cli", scopes: ["policy:read"] }, { actorId: a })).rejects.toMatchObject({ reason: "scope_restricted" });
  });

  it("an unrestricted admin cannot make a policy token limited to some tenants", async () => {
    const a = await makeUser("narrow.token.admin@example.com", ["admin"]);
    await expect(createApiToken({ name: "cli", scopes: ["policy:write"], tenant_scopes: ["acme/prod"] }, { actorId: a })).rejects.toMatchObject({ reason: "scope_restricted" });
  });

  it("an owner restricted after the token was made: every CLI policy route is 403 and nothing changes", async () => {
    const a = await makeUser("later.admin@example.com", ["admin"]);
    const t = await createApiToken({ name: "cli", scopes: [...POLICY_SCOPES] }, { actorId: a });
    const bundle = await narrowingBundle(t.token); // the control: unrestricted, the token works
    const before = await policyState();
    for (const restriction of [
      { scopes: "acme/*", roleScopes: null },
      { scopes: "*", roleScopes: "admin=acme/*" },
    ]) {
      await db().user.update({ where: { id: a }, data: restriction });
      expect(await everyPolicyRoute(t.token, bundle)).toEqual([403, 403, 403, 403, 403]);
      expect(await policyState()).toEqual(before);
    }
    await db().user.update({ where: { id: a }, data: { scopes: "*", roleScopes: null } });
    const applied = await applyRoute(bearer(t.token, "/api/cli/policies/apply", { method: "POST", body: JSON.stringify({ bundle, reason: "narrow" }) }), params({}));
    expect(applied.status, await applied.clone().text()).toBe(200);
    expect((await policyState()).versions).toBe(before.versions + 1);
  });

  it("a restricted owner's actions token keeps working within their tenants", async () => {
    const r = await makeUser("acme.reader@example.com", ["viewer"]);
    const t = await createApiToken({ name: "queue", scopes: ["actions:read"] }, { actorId: r });
    await db().user.update({ where: { id: r }, data: { scopes: "acme/prod" } });
    const res = await cliActions(bearer(t.token, "/api/cli/actions"), params({}));
    expect(res.status).toBe(200);
  });
});
