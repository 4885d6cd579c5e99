import { describe, expect, it } from "vitest";
import { groupsFromClaims, mapGroups } from "@/lib/auth/sso-mapping";
import { covers, formatScopes, roleScopedRow, scopesFor } from "@/lib/auth/scopes";

// The SSO group mapping is pure: what a person's groups confer, and nothing when no group maps.

const MAPPINGS = [
  { group: "acme-reviewers", roles: "reviewer", scopes: "acme/prod" },
  { group: "globex-viewers", roles: "viewer", scopes: "globex/*" },
  { group: "admins", roles: "admin", scopes: "*" },
  { group: "junk", roles: "root,superuser", scopes: "*" },
];

describe("SSO group mapping", () => {
  it("no mapped group, or only groups whose roles are unknown, confers nothing", () => {
    expect(mapGroups([], MAPPINGS)).toEqual({ roles: [], scopes: [], roleScopes: null, groups: [] });
    expect(mapGroups(["unmapped", "junk"], MAPPINGS)).toEqual({ roles: [], scopes: [], roleScopes: null, groups: [] });
  });

  it("several groups: each role applies only where the groups that confer it do (reviewer-acme + viewer-globex is no reviewer of globex)", () => {
    const m = mapGroups(["acme-reviewers", "globex-viewers"], MAPPINGS);
    expect(m).toEqual({
      roles: ["reviewer", "viewer"],
      scopes: [
        { tenant: "acme", env: "prod" },
        { tenant: "globex", env: "*" },
      ],
      roleScopes: "reviewer=acme/prod;viewer=globex/*",
      groups: ["acme-reviewers", "globex-viewers"],
    });
    const user = roleScopedRow({ roles: m.roles, scopes: formatScopes(m.scopes), roleScopes: m.roleScopes });
    expect(covers({ scopes: scopesFor(user, "reviewer") }, "globex", "prod")).toBe(false);
    expect(covers({ scopes: scopesFor(user, "reviewer") }, "acme", "prod")).toBe(true);
    expect(covers({ scopes: scopesFor(user, "viewer") }, "globex", "prod")).toBe(true);
    expect(covers({ scopes: scopesFor(user, "viewer") }, "acme", "prod")).toBe(false);
    // `*` for one role is every scope for that role only.
    const a = mapGroups(["acme-reviewers", "admins"], MAPPINGS);
    expect(a.scopes).toBe("all");
    expect(a.roleScopes).toBe("admin=*;reviewer=acme/prod");
    // Two groups conferring the same role: that role gets the union of the two; one role everywhere stores no overrides.
    const two = mapGroups(["acme-reviewers", "globex-reviewers"], [...MAPPINGS, { group: "globex-reviewers", roles: "reviewer", scopes: "globex/prod" }]);
    expect(two.roleScopes).toBeNull();
    expect(formatScopes(two.scopes)).toBe("acme/prod,globex/prod");
  });

  it("the groups claim: strings only, no commas, deduplicated; anything else is no groups", () => {
    expect(groupsFromClaims({ groups: ["b", "a", "a", "x,y", 3, ""] }, "groups")).toEqual(["a", "b"]);
    expect(groupsFromClaims({ groups: "solo" }, "groups")).toEqual(["solo"]);
    expect(groupsFromClaims({ groups: { a: 1 } }, "groups")).toEqual([]);
    expect(groupsFromClaims({}, "groups")).toEqual([]);
    expect(groupsFromClaims({ roles: ["admins"] }, "groups")).toEqual([]);
  });
});
