import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDb } from "./support/db";
import { makeUser } from "./support/fixtures";
import { db } from "@/lib/db/client";
import { createUser, deleteUser, updateUser } from "@/lib/users/manage-users";
import { approveGrant } from "@/lib/users/grants";
import { covers, formatScopes, parseRoleScopes, parseRoleScopesStrict, parseScopes, roleScopedRow, scopeWhere, scopesFor, widensScopes } from "@/lib/auth/scopes";
import { parseRoles } from "@/lib/auth/roles";

// Scopes in user management: granting a scope to a counting role is a grant
// under the two-admin rule, narrowing applies at once, and the last enabled
// admin of every tenant is protected like the last admin.

let cleanup: () => Promise<void>;
const u: Record<string, string> = {};

beforeAll(async () => {
  ({ cleanup } = await freshDb());
  u.a = await makeUser("a.scope@example.com", ["admin"]);
  u.b = await makeUser("b.scope@example.com", ["admin"]);
});
afterAll(() => cleanup());

describe("scopes (lib/auth/scopes.ts)", () => {
  it("parses, covers and widens, failing closed on anything malformed", () => {
    expect(parseScopes("*")).toBe("all");
    expect(parseScopes("acme/prod, acme/prod ,globex/*")).toEqual([
      { tenant: "acme", env: "prod" },
      { tenant: "globex", env: "*" },
    ]);
    expect(parseScopes("acme, /prod, acme/prod/x, ACME/PROD, a b/c")).toEqual([]);
    expect(parseScopes("")).toEqual([]);
    const s = { scopes: parseScopes("acme/prod") };
    expect(covers(s, "acme", "prod")).toBe(true);
    expect(covers(s, "acme", "staging")).toBe(false);
    expect(covers(s, "acme", "*")).toBe(false);
    expect(covers(s, "globex", "prod")).toBe(false);
    expect(covers(s, null, null)).toBe(false);
    expect(covers({ scopes: parseScopes("acme/*") }, "acme", "*")).toBe(true);
    expect(covers({ scopes: "all" }, null, null)).toBe(true);
    expect(widensScopes(parseScopes("acme/*"), parseScopes("acme/prod"))).toBe(false);
    expect(widensScopes(parseScopes("acme/prod"), parseScopes("acme/*"))).toBe(true);
    expect(widensScopes(parseScopes("acme/prod"), "all")).toBe(true);
    expect(formatScopes(parseScopes("globex/prod,acme/prod"))).toBe("acme/prod,globex/prod");
    expect(scopeWhere({ scopes: [] })).toEqual({ tenantId: { in: [] } });
  });

  it("a user without scopes sees nothing, also when the filter is nested (Prisma reads a nested empty OR as no condition)", async () => {
    expect(await db().user.count()).toBeGreaterThan(0);
    const none = { scopes: [] as [] };
    expect(await db().user.count({ where: { AND: [{ email: { contains: "@" } }, scopeWhere(none, { tenant: "email", env: "name" })] } })).toBe(0);
    expect(await db().user.count({ where: scopeWhere(none, { tenant: "email", env: "name" }) })).toBe(0);
  });
});

describe("scopes in user management", () => {
  it("a user made without scopes holds every tenant (the column default the migration gave existing users)", async () => {
    expect((await db().user.findUniqueOrThrow({ where: { id: u.a! } })).scopes).toBe("*");
  });

  it("a reviewer for acme/prod is created only when a second admin approves, with exactly those scopes", async () => {
    const r = await createUser({ email: "rev.scope@example.com", name: "rev", password: "long-enough-pw", roles: ["reviewer"], scopes: ["acme/prod"] }, { actorId: u.a! });
    expect(r.status).toBe("pending");
    expect(await db().user.count({ where: { email: "rev.scope@example.com" } })).toBe(0);
    const { user_id } = await approveGrant((r as { grant_id: string }).grant_id, { actorId: u.b!, channel: "console" });
    u.rev = user_id;
    expect((await db().user.findUniqueOrThrow({ where: { id: user_id } })).scopes).toBe("acme/prod");
  });

  it("widening a reviewer's scopes is a grant; narrowing applies at once", async () => {
    const wide = await updateUser(u.rev!, { scopes: ["acme/*", "globex/prod"] }, { actorId: u.a! });
    expect(wide.status).toBe("pending");
    expect((await db().user.findUniqueOrThrow({ where: { id: u.rev! } })).scopes).toBe("acme/prod");
    await approveGrant((wide as { grant_id: string }).grant_id, { actorId: u.b!, channel: "console" });
    expect((await db().user.findUniqueOrThrow({ where: { id: u.rev! } })).scopes).toBe("acme/*,globex/prod");
    const before = (await db().user.findUniqueOrThrow({ where: { id: u.rev! } })).sessionEpoch;
    expect((await updateUser(u.rev!, { scopes: ["acme/prod"] }, { actorId: u.a! })).status).toBe("applied");
    const after = await db().user.findUniqueOrThrow({ where: { id: u.rev! } });
    expect(after.scopes).toBe("acme/prod");
    expect(after.sessionEpoch).toBe(before + 1);
  });

  it("malformed scopes are a 4xx with no change", async () => {
    const { updateUserInput } = await import("@/lib/users/user-input");
    expect(updateUserInput.safeParse({ scopes: ["acme"] }).success).toBe(false);
    expect(updateUserInput.safeParse({ scopes: [] }).success).toBe(false);
    expect(updateUserInput.safeParse({ scopes: ["acme/prod"] }).success).toBe(true);
  });

  it("the last enabled admin of every tenant cannot be narrowed, and a scoped admin does not count as one", async () => {
    await updateUser(u.b!, { scopes: ["acme/*"] }, { actorId: u.a! });
    expect((await db().user.findUniqueOrThrow({ where: { id: u.b! } })).scopes).toBe("acme/*");
    // a is now the only unrestricted admin: narrowing, demoting or deleting a is refused.
    await expect(updateUser(u.a!, { scopes: ["globex/*"] }, { actorId: u.b! })).rejects.toMatchObject({ reason: "last_admin" });
    await expect(updateUser(u.a!, { roles: ["viewer"] }, { actorId: u.b! })).rejects.toMatchObject({ reason: "last_admin" });
    await expect(deleteUser(u.a!, { actorId: u.b! })).rejects.toMatchObject({ reason: "last_admin" });
    expect((await db().user.findUniqueOrThrow({ where: { id: u.a! } })).scopes).toBe("*");
  });
});

describe("per-role scopes (User.roleScopes)", () => {
  it("parses per-role overrides; the strict parser refuses unknown roles, duplicates and bad scopes; a role without one uses the default", () => {
    expect(parseRoleScopes("reviewer=acme/prod;admin=*")).toEqual({ reviewer: [{ tenant: "acme", env: "prod" }], admin: "all" });
    expect(parseRoleScopes(null)).toEqual({});
    // A named role with a malformed list applies nowhere (never the wider default).
    expect(parseRoleScopes("reviewer=acme")).toEqual({ reviewer: [] });
    expect(parseRoleScopesStrict("reviewer=acme/prod;admin=*", ["reviewer", "admin"])).not.toBeNull();
    expect(parseRoleScopesStrict("root=*", ["reviewer", "admin"])).toBeNull();
    expect(parseRoleScopesStrict("reviewer=acme/prod;reviewer=*", ["reviewer"])).toBeNull();
    expect(parseRoleScopesStrict("reviewer=acme", ["reviewer"])).toBeNull();
    expect(parseRoleScopesStrict("reviewer", ["reviewer"])).toBeNull();
    const u = roleScopedRow({ roles: ["reviewer", "viewer"], scopes: "globex/*", roleScopes: "reviewer=acme/prod" });
    expect(scopesFor(u, "reviewer")).toEqual([{ tenant: "acme", env: "prod" }]);
    expect(scopesFor(u, "viewer")).toEqual([{ tenant: "globex", env: "*" }]);
    expect(scopesFor(u, "admin")).toEqual([]); // not held: nowhere
  });

  it("the migration leaves every existing user with null roleScopes: each role keeps the user's scopes", async () => {
    const users = await db().user.findMany();
    expect(users.length).toBeGreaterThan(0);
    for (const x of users) {
      expect(x.roleScopes).toBeNull();
      const rs = roleScopedRow({ ...x, roles: parseRoles(x.roles) });
      for (const r of parseRoles(x.roles)) expect(formatScopes(scopesFor(rs, r))).toBe(formatScopes(parseScopes(x.scopes)));
    }
  });

  it("an admin for everything whose admin role is narrowed by an override is no longer unrestricted: the last one is protected", async () => {
    // a is the only unrestricted admin (b was narrowed above); an override narrowing a's admin role is refused.
    await expect(updateUser(u.a!, { role_scopes: "admin=acme/*" }, { actorId: u.b! })).rejects.toMatchObject({ reason: "last_admin" });
    expect((await db().user.findUniqueOrThrow({ where: { id: u.a! } })).roleScopes).toBeNull();
    // Narrowing a's OTHER role leaves the admin role unrestricted: allowed.
    await db().user.update({ where: { id: u.a! }, data: { roles: "admin,viewer" } });
    expect((await updateUser(u.a!, { role_scopes: "viewer=acme/prod" }, { actorId: u.b! })).status).toBe("applied");
    expect((await db().user.findUniqueOrThrow({ where: { id: u.a! } })).roleScopes).toBe("viewer=acme/prod");
    // b: admin=acme/* by default scopes; an override giving b admin=* widens b's admin role: a grant, not applied.
    const g = await updateUser(u.b!, { role_scopes: "admin=*" }, { actorId: u.a! });
    expect(g.status).toBe("pending");
    expect((await db().user.findUniqueOrThrow({ where: { id: u.b! } })).roleScopes).toBeNull();
    await expect(approveGrant((g as { grant_id: string }).grant_id, { actorId: u.a!, channel: "console" })).rejects.toMatchObject({ code: "forbidden" });
  });

  it("a grant that widens one role's scopes needs a second admin; narrowing another role applies at once", async () => {
    const id = await makeUser("two.roles@example.com", ["reviewer", "viewer"]);
    await db().user.update({ where: { id }, data: { scopes: "acme/prod" } });
    // Widening only the reviewer role (acme/prod → acme/*) is a grant.
    const wide = await updateUser(id, { role_scopes: "reviewer=acme/*" }, { actorId: u.a! });
    expect(wide.status).toBe("pending");
    expect((await db().user.findUniqueOrThrow({ where: { id } })).roleScopes).toBeNull();
    const grant = await db().userGrant.findUniqueOrThrow({ where: { id: (wide as { grant_id: string }).grant_id } });
    expect(grant.roleScopes).toBe("reviewer=acme/*");
    // A second admin approves: the override is applied.
    const c = await makeUser("c.scope@example.com", ["admin"]);
    await approveGrant(grant.id, { actorId: c, channel: "console" });
    const after = await db().user.findUniqueOrThrow({ where: { id } });
    expect(after.roleScopes).toBe("reviewer=acme/*");
    expect(covers({ scopes: scopesFor(roleScopedRow({ ...after, roles: parseRoles(after.roles) }), "reviewer") }, "acme", "staging")).toBe(true);
    expect(covers({ scopes: scopesFor(roleScopedRow({ ...after, roles: parseRoles(after.roles) }), "viewer") }, "acme", "staging")).toBe(false);
    // Narrowing the viewer role to nowhere applies at once.
    expect((await updateUser(id, { role_scopes: "reviewer=acme/*;viewer=" }, { actorId: u.a! })).status).toBe("applied");
    expect((await db().user.findUniqueOrThrow({ where: { id } })).roleScopes).toBe("reviewer=acme/*;viewer=");
    // Malformed input: 4xx, no change.
    const { updateUserInput } = await import("@/lib/users/user-input");
    expect(updateUserInput.safeParse({ role_scopes: "root=*" }).success).toBe(false);
    expect(updateUserInput.safeParse({ role_scopes: "reviewer=acme" }).success).toBe(false);
    expect(updateUserInput.safeParse({ role_scopes: "" }).success).toBe(true);
  });

  it("e-mail recipients are reviewers where the reviewer role applies, not where another role does", async () => {
    const { reviewersFor } = await import("@/lib/notifications/recipients");
    const id = await makeUser("mixed.notify@example.com", ["reviewer", "admin"]);
    await db().user.update({ where: { id }, data: { scopes: "", roleScopes: "admin=globex/*;reviewer=acme/prod" } });
    const emails = async (tenantId: string) => (await reviewersFor({ tenantId, env: "prod", onBehalfOf: null })).map((r) => r.email);
    expect(await emails("acme")).toContain("mixed.notify@example.com");
    expect(await emails("globex")).not.toContain("mixed.notify@example.com");
  });
});
