import { describe, expect, it } from "vitest";
import { groupsFromClaims, mapGroups } from "@/lib/auth/sso-mapping";

// The SSO group mapping is pure: what a person's groups confer, and nothing when no group maps.

const MAPPINGS = [
  { group: "acme-reviewers", roles: "reviewer", scopes: "acme/prod" },
  { group: "globex-viewers", roles: "viewer", scopes: "globex/*" },
  { group: "admins", roles: "admin", scopes: "*" },
  { group: "junk", roles: "root,superuser", scopes: "*" },
];

describe("SSO group mapping", () => {
  it("no mapped group, or only groups whose roles are unknown, confers nothing", () => {
    expect(mapGroups([], MAPPINGS)).toEqual({ roles: [], scopes: [], groups: [] });
    expect(mapGroups(["unmapped", "junk"], MAPPINGS)).toEqual({ roles: [], scopes: [], groups: [] });
  });

  it("several groups: the union of roles and of scopes; `*` anywhere is every scope", () => {
    expect(mapGroups(["acme-reviewers", "globex-viewers"], MAPPINGS)).toEqual({
      roles: ["reviewer", "viewer"],
      scopes: [
        { tenant: "acme", env: "prod" },
        { tenant: "globex", env: "*" },
      ],
      groups: ["acme-reviewers", "globex-viewers"],
    });
    expect(mapGroups(["acme-reviewers", "admins"], MAPPINGS).scopes).toBe("all");
  });

  it("the groups claim: strings only, no commas, deduplicated; anything else is no groups", () => {
    expect(groupsFromClaims({ groups: ["b", "a", "a", "x,y", 3, ""] }, "groups")).toEqual(["a", "b"]);
    expect(groupsFromClaims({ groups: "solo" }, "groups")).toEqual(["solo"]);
    expect(groupsFromClaims({ groups: { a: 1 } }, "groups")).toEqual([]);
    expect(groupsFromClaims({}, "groups")).toEqual([]);
    expect(groupsFromClaims({ roles: ["admins"] }, "groups")).toEqual([]);
  });
});
