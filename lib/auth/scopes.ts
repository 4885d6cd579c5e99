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
