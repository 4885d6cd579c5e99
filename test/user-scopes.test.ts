import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDb } from "./support/db";
import { makeUser } from "./support/fixtures";
import { db } from "@/lib/db/client";
import { createUser, deleteUser, updateUser } from "@/lib/users/manage-users";
import { approveGrant } from "@/lib/users/grants";
import { covers, formatScopes, parseScopes, scopeWhere, widensScopes } from "@/lib/auth/scopes";

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
