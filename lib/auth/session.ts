import "server-only";
import { cookies, headers } from "next/headers";
import { forbidden, redirect } from "next/navigation";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { holdsAnyRole, parseRoles, type Role } from "@/lib/auth/roles";
import { isUnrestricted, parseRoleScopes, parseScopes, scopesFor, scopesForAny, type RoleScopes, type Scopes } from "@/lib/auth/scopes";
import { parseCookieHeader, readSessionClaims, secureCookies, type SessionClaims } from "@/lib/auth/session-cookie";
import { safeCallbackPath } from "@/lib/auth/callback-url";
import { env } from "@/lib/env";
import { ssoSessionCurrent } from "@/lib/auth/sso";

export type { Role } from "@/lib/auth/roles";

/** The signed-in console user, as the database says now (not as the JWT said). */
/**
 * `scopes` is where the user may act in THIS request: the union of the scopes of
 * the roles they hold among the route's allowed ones (narrowFor). `roleScopes`
 * keeps each role's own (override or default) for role checks inside a handler
 * (scopesFor(user, "admin")).
 */
export type SessionUser = { id: string; email: string; name: string; roles: Role[]; scopes: Scopes; roleScopes: RoleScopes };

/** The request header proxy.ts sets so pages can build a sign-in callbackUrl. */
export const PATH_HEADER = "x-gatehouse-path";

async function loadUser(claims: SessionClaims): Promise<SessionUser | null> {
  const user = await db().user.findUnique({ where: { id: claims.userId } });
  // Re-read on every call: a disable or role change takes effect at once, and
  // sign-out or any change to the account (a new sessionEpoch) ends every older session.
  if (!user || user.disabled || user.sessionEpoch !== claims.epoch) return null;
  // An SSO user's groups are re-checked with the provider every GATEHOUSE_SSO_RECHECK_SECONDS (lib/auth/sso.ts).
  const sso = user.passwordHash ? "current" : await ssoSessionCurrent(user.id);
  if (sso === "ended") return null;
  const fresh = sso === "rechecked" ? await db().user.findUnique({ where: { id: user.id } }) : user;
  if (!fresh) return null;
  const roles = parseRoles(fresh.roles);
  const base = { roles, scopes: parseScopes(fresh.scopes), roleScopes: parseRoleScopes(fresh.roleScopes) };
  // Resolve every held role's scopes once (override or default), so later narrowing never falls back to a wider default.
  const roleScopes = Object.fromEntries(roles.map((r) => [r, scopesFor(base, r)]));
  return { id: fresh.id, email: fresh.email, name: fresh.name, roles, scopes: scopesForAny({ ...base, roleScopes }, roles), roleScopes };
}

/**
 * The user as a route open to `allowed` sees them. Scoped: `scopes` = the union
 * of the scopes of the held roles among `allowed` (a vote route open to reviewers
 * uses the reviewer scopes; an admin-only route the admin ones). Unscoped (a
 * route acting on every tenant): only the roles unrestricted for this user
 * remain, so a role check inside the handler never passes on a restricted role;
 * null when none of them is allowed.
 */
export function narrowFor(user: SessionUser, allowed: readonly Role[], scoped: boolean): SessionUser | null {
  if (scoped) return { ...user, scopes: scopesForAny(user, allowed) };
  const roles = user.roles.filter((r) => isUnrestricted({ scopes: scopesFor(user, r) }));
  if (!holdsAnyRole(roles, allowed)) return null;
  return { ...user, roles, scopes: "all" };
}

/**
 * The session user for the current request (Server Components, Server
 * Actions, Route Handlers). Pass `req` in route handlers and tests; without
 * it the cookies come from next/headers.
 */
export async function getSessionUser(req?: Request): Promise<SessionUser | null> {
  const jar = req ? parseCookieHeader(req.headers.get("cookie")) : new Map((await cookies()).getAll().map((c) => [c.name, c.value]));
  const claims = await readSessionClaims(jar, secureCookies(req ? req.headers : await headers()));
  return claims ? loadUser(claims) : null;
}

/**
 * The one role check. No user → 401; a user holding none of `roles` → 403.
 * Roles are explicit: admin does not count as reviewer.
 */
export function assertRole(user: SessionUser | null, roles: readonly Role[]): SessionUser {
  if (!user) throw new AppError("unauthenticated", "Sign in to the console first.");
  if (!holdsAnyRole(user.roles, roles)) {
    throw new AppError("forbidden", `This needs one of the roles: ${roles.join(", ")}.`);
  }
  return user;
}

/** For route handlers and server actions: the user if they hold any of `roles`, else 401/403. */
export async function requireRole(...roles: Role[]): Promise<SessionUser> {
  return assertRole(await getSessionUser(), roles);
}

/** Same as requireRole, for a route handler's own Request (what consoleHandler uses). */
export async function requireRoleFor(req: Request, ...roles: Role[]): Promise<SessionUser> {
  return assertRole(await getSessionUser(req), roles);
}

/**
 * For pages: redirect to /signin without a session; render the 403 page
 * (HTTP 403) when the user lacks every one of `roles`, or when their scopes
 * cover only some tenants (a page that is not tenant-scoped shows or changes
 * every tenant's configuration). Tenant-scoped pages use requireScopedPageRole.
 */
export async function requirePageRole(...roles: Role[]): Promise<SessionUser> {
  const user = await requireScopedPageRole(...roles);
  const narrowed = narrowFor(user, roles, false);
  if (!narrowed) forbidden();
  return narrowed;
}

/** requirePageRole for a page whose every read is narrowed to the user's scopes (queue, card, history, audit, dashboard). */
export async function requireScopedPageRole(...roles: Role[]): Promise<SessionUser> {
  const user = await getSessionUser();
  if (!user) {
    const path = (await headers()).get(PATH_HEADER) ?? "/";
    redirect(`/signin?callbackUrl=${encodeURIComponent(safeCallbackPath(path, env().publicUrl))}`);
  }
  if (!holdsAnyRole(user.roles, roles)) forbidden();
  return narrowFor(user, roles, true)!;
}
