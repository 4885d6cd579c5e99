/**
 * Identity-provider groups → console roles and scopes. Pure — safe to import anywhere.
 * A user in several mapped groups gets the union of their roles and the union
 * of their scopes (roles are per user, not per scope, so a group that makes
 * someone a reviewer of acme and another that makes them a viewer of globex
 * makes them a reviewer of both: map groups so that this holds).
 */
import { parseRoles, type Role } from "@/lib/auth/roles";
import { formatScopes, parseScopes, type Scope, type Scopes } from "@/lib/auth/scopes";

export type GroupMapping = { group: string; roles: string; scopes: string };
export type MappedAccess = { roles: Role[]; scopes: Scopes; groups: string[] };

/** A group name as the provider sends it: printable, no commas (the column is comma-separated), at most 200 characters. */
export const GROUP_NAME = /^[^,\s][^,]{0,198}[^,\s]$|^[^,\s]$/;

/** Read the groups claim: an array of strings (or one string); anything else is no groups (fail closed). */
export function groupsFromClaims(claims: Record<string, unknown>, claim: string): string[] {
  const v = claims[claim];
  const list = Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
  return [...new Set(list.filter((g): g is string => typeof g === "string" && GROUP_NAME.test(g)))].sort();
}

/** The roles and scopes `groups` confer under `mappings`; no mapped group → no roles. */
export function mapGroups(groups: readonly string[], mappings: readonly GroupMapping[]): MappedAccess {
  const roles = new Set<Role>();
  let all = false;
  const scopes: Scope[] = [];
  const matched: string[] = [];
  for (const m of mappings) {
    if (!groups.includes(m.group)) continue;
    const r = parseRoles(m.roles);
    if (r.length === 0) continue;
    matched.push(m.group);
    r.forEach((x) => roles.add(x));
    const s = parseScopes(m.scopes);
    if (s === "all") all = true;
    else for (const x of s) if (!scopes.some((o) => o.tenant === x.tenant && o.env === x.env)) scopes.push(x);
  }
  const roleList = [...roles].sort();
  return { roles: roleList, scopes: roleList.length === 0 ? [] : all ? "all" : parseScopes(formatScopes(scopes)), groups: matched.sort() };
}
