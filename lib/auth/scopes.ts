/**
 * Where a console user's roles apply: every tenant and environment (`*`), or a
 * set of `tenant/env` pairs, either part `*` (`acme/prod`, `acme/*`). This is
 * the ONE place console data is narrowed to a user's scopes: every console
 * query on a tenant-bearing table adds `scopeWhere(user)` (a guard test,
 * test/scope-guard.test.ts, fails when one does not), every write checks
 * `covers(...)`. Pure — safe to import anywhere.
 */

export type Scope = { tenant: string; env: string };
/** `"all"` — unrestricted; otherwise the pairs (possibly none: sees nothing). */
export type Scopes = "all" | readonly Scope[];
export type Scoped = { scopes: Scopes };

const PART = /^(\*|[a-z0-9][a-z0-9_-]{0,99})$/;

/** Parse one scope string; null when malformed. */
export function parseScope(s: string): Scope | null {
  const m = /^([^/]+)\/([^/]+)$/.exec(s.trim());
  if (!m || !PART.test(m[1]!) || !PART.test(m[2]!)) return null;
  return { tenant: m[1]!, env: m[2]! };
}

/** Parse the User.scopes column. Unknown or malformed entries are dropped (fail closed: fewer scopes, never more). */
export function parseScopes(column: string | null | undefined): Scopes {
  const parts = (column ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.includes("*") || parts.includes("*/*")) return "all";
  const out: Scope[] = [];
  for (const p of parts) {
    const s = parseScope(p);
    if (s && !out.some((o) => o.tenant === s.tenant && o.env === s.env)) out.push(s);
  }
  return out;
}

/** The column value for a set of scopes (canonical: sorted, `*` for all). */
export function formatScopes(scopes: Scopes): string {
  if (scopes === "all") return "*";
  return [...new Set(scopes.map((s) => `${s.tenant}/${s.env}`))].sort().join(",");
}

export const isUnrestricted = (u: Scoped): boolean => u.scopes === "all";

/** True when the user's scopes cover this tenant and environment. `env` "*" asks for every environment of the tenant. */
export function covers(u: Scoped, tenantId: string | null | undefined, env: string | null | undefined): boolean {
  if (u.scopes === "all") return true;
  if (!tenantId || !env) return false; // tenant-less rows are global: only an unrestricted user covers them
  return u.scopes.some((s) => (s.tenant === "*" || s.tenant === tenantId) && (s.env === "*" || (env !== "*" && s.env === env)));
}

/** True when the user covers at least one environment of the tenant (what reading a tenant-wide kill switch needs). */
export function touchesTenant(u: Scoped, tenantId: string | null | undefined): boolean {
  if (u.scopes === "all") return true;
  if (!tenantId) return false;
  return u.scopes.some((s) => s.tenant === "*" || s.tenant === tenantId);
}

/**
 * The Prisma `where` fragment for the user's scopes, on a table whose tenant
 * and environment columns are `tenantId` and `env` (Action, Run, AuditEvent,
 * AgentCredential, IssuedToken). `{}` for an unrestricted user; an empty
 * `in` (matches nothing) for a user without scopes. Rows with a null tenant never
 * match a restricted user.
 */
export function scopeWhere(u: Scoped, cols: { tenant: string; env: string } = { tenant: "tenantId", env: "env" }): Record<string, unknown> {
  if (u.scopes === "all") return {};
  // No scopes: match nothing. Not `OR: []` — Prisma reads an empty OR nested in AND as no condition at all.
  if (u.scopes.length === 0) return { [cols.tenant]: { in: [] } };
  return {
    OR: u.scopes.map((s) => {
      const w: Record<string, unknown> = {};
      // `*`: any non-empty value — which a NULL (a tenant-less audit row) never is.
      w[cols.tenant] = s.tenant === "*" ? { gt: "" } : s.tenant;
      w[cols.env] = s.env === "*" ? { gt: "" } : s.env;
      return w;
    }),
  };
}

/**
 * scopeWhere as a SQL condition, for the console reads that aggregate in SQL (the dashboard's, lib/db/tables/console-figures.ts):
 * the same rows, `?` placeholders. `cols` are quoted column names. test/metrics.test.ts and test/time-on-card.test.ts hold
 * the charts and the reviewer figures to a row-by-row count under several kinds of scope (all, one pair, `tenant/*`, none).
 */
export function scopeSql(u: Scoped, cols: { tenant: string; env: string } = { tenant: '"tenantId"', env: '"env"' }): { text: string; params: string[] } {
  if (u.scopes === "all") return { text: "1 = 1", params: [] };
  if (u.scopes.length === 0) return { text: "1 = 0", params: [] };
  const params: string[] = [];
  const part = (col: string, v: string) => {
    // `*`: any non-empty value (never NULL), as in scopeWhere.
    if (v === "*") return `${col} > ''`;
    params.push(v);
    return `${col} = ?`;
  };
  return { text: `(${u.scopes.map((s) => `(${part(cols.tenant, s.tenant)} AND ${part(cols.env, s.env)})`).join(" OR ")})`, params };
}

/** The Prisma `where` fragment for a table that carries only a tenant (KillSwitch): the tenants the user touches. */
export function tenantWhere(u: Scoped, col = "tenantId"): Record<string, unknown> {
  if (u.scopes === "all") return {};
  if (u.scopes.some((s) => s.tenant === "*")) return { [col]: { gt: "" } };
  return { [col]: { in: [...new Set(u.scopes.map((s) => s.tenant))] } };
}

/** True when `after` reaches somewhere `before` does not (a widening: a grant under the second-admin rule). */
export function widensScopes(before: Scopes, after: Scopes): boolean {
  if (before === "all") return false;
  if (after === "all") return true;
  return after.some((s) => !before.some((b) => (b.tenant === "*" || b.tenant === s.tenant) && (b.env === "*" || b.env === s.env)));
}

/** The exact intersection of two scope sets: the union of each pair's meet (a token's scopes against its owner's current ones). */
export function intersectScopes(a: Scopes, b: Scopes): Scopes {
  if (a === "all") return b;
  if (b === "all") return a;
  const meet = (x: string, y: string): string | null => (x === "*" ? y : y === "*" || y === x ? x : null);
  const out: Scope[] = [];
  for (const s of a) {
    for (const t of b) {
      const tenant = meet(s.tenant, t.tenant);
      const env = meet(s.env, t.env);
      if (tenant !== null && env !== null && !out.some((o) => o.tenant === tenant && o.env === env)) out.push({ tenant, env });
    }
  }
  return out;
}

/** The union of two scope sets (canonical). */
export function unionScopes(a: Scopes, b: Scopes): Scopes {
  if (a === "all" || b === "all") return "all";
  return parseScopes(formatScopes([...a, ...b]));
}

/**
 * Per-role overrides of a user's scopes (the User.roleScopes column):
 * `reviewer=acme/prod;admin=*` — `;` between roles, `,` between a role's
 * scopes, an empty right side for "nowhere". A role without an entry uses the
 * user's `scopes`. Malformed entries (unknown role names are the caller's to
 * drop) are dropped: fail closed only for entries naming a role, because a
 * dropped override would fall back to the (possibly wider) default — so a
 * malformed scope list for a named role yields that role no scopes rather than
 * the default.
 */
export type RoleScopes = Readonly<Record<string, Scopes>>;

const ROLE_NAME = /^[a-z]{1,20}$/;

/** Parse the User.roleScopes column; null/empty → no overrides. */
export function parseRoleScopes(column: string | null | undefined): RoleScopes {
  const out: Record<string, Scopes> = {};
  for (const part of (column ?? "").split(";")) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.indexOf("=");
    const role = (eq < 0 ? p : p.slice(0, eq)).trim();
    if (!ROLE_NAME.test(role)) continue;
    out[role] = eq < 0 ? [] : parseScopes(p.slice(eq + 1));
  }
  return out;
}

/** Strict parse for input: null when any entry is malformed (an unknown role, a bad scope). */
export function parseRoleScopesStrict(text: string, roles: readonly string[]): RoleScopes | null {
  const out: Record<string, Scopes> = {};
  for (const part of text.split(";")) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.indexOf("=");
    if (eq < 0) return null;
    const role = p.slice(0, eq).trim();
    if (!roles.includes(role) || role in out) return null;
    const list = p
      .slice(eq + 1)
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean);
    if (list.some((x) => x !== "*" && parseScope(x) === null)) return null;
    out[role] = parseScopes(list.join(","));
  }
  return out;
}

/** The column value (canonical: roles sorted); null when there are no overrides. */
export function formatRoleScopes(m: RoleScopes): string | null {
  const roles = Object.keys(m).sort();
  if (roles.length === 0) return null;
  return roles.map((r) => `${r}=${formatScopes(m[r]!)}`).join(";");
}

/** A user's roles with where each applies: the override when there is one, else the default scopes. */
export type RoleScoped = { roles: readonly string[]; scopes: Scopes; roleScopes?: RoleScopes };

/**
 * THE per-role function: where `role` applies for this user — none when the
 * user does not hold it. Every check of "may this role act on this tenant"
 * (console guard, votes, notifications, tokens, last-admin count) goes through it.
 */
export function scopesFor(u: RoleScoped, role: string): Scopes {
  if (!u.roles.includes(role)) return [];
  return u.roleScopes?.[role] ?? u.scopes;
}

/** The union of scopesFor over the roles the user holds among `roles` (what an endpoint open to `roles` may see). */
export function scopesForAny(u: RoleScoped, roles: readonly string[]): Scopes {
  let out: Scopes = [];
  for (const r of roles) if (u.roles.includes(r)) out = unionScopes(out, scopesFor(u, r));
  return out;
}

/** From a stored row (roles, scopes, roleScopes columns). */
export function roleScopedRow(row: { roles: readonly string[]; scopes: string | null; roleScopes?: string | null }): RoleScoped {
  return { roles: row.roles, scopes: parseScopes(row.scopes), roleScopes: parseRoleScopes(row.roleScopes) };
}

/** True when `after` lets any of `roles` reach somewhere `before` did not (widensScopes, per role). */
export function widensRoleScopes(before: RoleScoped, after: RoleScoped, roles: readonly string[]): boolean {
  return roles.some((r) => after.roles.includes(r) && widensScopes(before.roles.includes(r) ? scopesFor(before, r) : [], scopesFor(after, r)));
}
