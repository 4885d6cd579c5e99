import "server-only";
import { cookies, headers } from "next/headers";
import { forbidden, redirect } from "next/navigation";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { holdsAnyRole, parseRoles, type Role } from "@/lib/auth/roles";
import { isUnrestricted, parseScopes, type Scopes } from "@/lib/auth/scopes";
import { parseCookieHeader, readSessionClaims, secureCookies, type SessionClaims } from "@/lib/auth/session-cookie";
import { safeCallbackPath } from "@/lib/auth/callback-url";
import { env } from "@/lib/env";
import { ssoSessionCurrent } from "@/lib/auth/sso";

export type { Role } from "@/lib/auth/roles";

/** The signed-in console user, as the database says now (not as the JWT said). */
export type SessionUser = { id: string; email: string; name: string; roles: Role[]; scopes: Scopes };

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
  return { id: fresh.id, email: fresh.email, name: fresh.name, roles: parseRoles(fresh.roles), scopes: parseScopes(fresh.scopes) };
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
  if (!isUnrestricted(user)) forbidden();
  return user;
}

/** requirePageRole for a page whose every read is narrowed to the user's scopes (queue, card, history, audit, dashboard). */
export async function requireScopedPageRole(...roles: Role[]): Promise<SessionUser> {
  const user = await getSessionUser();
  if (!user) {
    const path = (await headers()).get(PATH_HEADER) ?? "/";
    redirect(`/signin?callbackUrl=${encodeURIComponent(safeCallbackPath(path, env().publicUrl))}`);
  }
  if (!holdsAnyRole(user.roles, roles)) forbidden();
  return user;
}
