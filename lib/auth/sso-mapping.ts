/**
 * Identity-provider groups → console roles and scopes. Pure — safe to import anywhere.
 * A user in several mapped groups gets the union of their roles, each role
 * scoped to the union of the scopes of the groups that confer it (per-role
 * scopes, lib/auth/scopes.ts): no group widens another group's role.
 */
import { parseRoles, type Role } from "@/lib/auth/roles";
import { formatRoleScopes, formatScopes, parseScopes, unionScopes, type Scopes } from "@/lib/auth/scopes";

export type GroupMapping = { group: string; roles: string; scopes: string };
export type MappedAccess = { roles: Role[]; scopes: Scopes; roleScopes: string | null; groups: string[] };

/** A group name as the provider sends it: printable, no commas (the column is comma-separated), at most 200 characters. */
export const GROUP_NAME = /^[^,\s][^,]{0,198}[^,\s]$|^[^,\s]$/;

/** Read the groups claim: an array of strings (or one string); anything else is no groups (fail closed). */
export function groupsFromClaims(claims: Record<string, unknown>, claim: string): string[] {
  const v = claims[claim];
  const list = Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
  return [...new Set(list.filter((g): g is string => typeof g === "string" && GROUP_NAME.test(g)))].sort();
}

/**
 * The roles and scopes `groups` confer under `mappings`; no mapped group → no roles.
 * Per role: each role applies where the groups that confer IT apply (the union
 * over those groups only) — a reviewer group for acme and a viewer group for
 * globex make a reviewer of acme and a viewer of globex, never a reviewer of
 * globex. `scopes` is the union (where any role applies); `roleScopes` the
 * per-role column value, null when every role applies everywhere `scopes` does.
 */
export function mapGroups(groups: readonly string[], mappings: readonly GroupMapping[]): MappedAccess {
  const per = new Map<Role, Scopes>();
  const matched: string[] = [];
  for (const m of mappings) {
    if (!groups.includes(m.group)) continue;
    const r = parseRoles(m.roles);
    if (r.length === 0) continue;
    matched.push(m.group);
    const s = parseScopes(m.scopes);
    for (const role of r) per.set(role, unionScopes(per.get(role) ?? [], s));
  }
  const roleList = [...per.keys()].sort();
  let scopes: Scopes = [];
  for (const role of roleList) scopes = unionScopes(scopes, per.get(role)!);
  const union = formatScopes(scopes);
  const differs = roleList.some((role) => formatScopes(per.get(role)!) !== union);
  const roleScopes = differs ? formatRoleScopes(Object.fromEntries(roleList.map((role) => [role, per.get(role)!]))) : null;
  return { roles: roleList, scopes, roleScopes, groups: matched.sort() };
}
