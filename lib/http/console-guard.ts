import "server-only";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { handler, type HandlerContext } from "@/lib/http/handler";
import { narrowFor, requireRoleFor, type SessionUser } from "@/lib/auth/session";
import type { Role } from "@/lib/auth/roles";

/** The header every console mutation carries; a cross-site form cannot set it. */
export const CONSOLE_HEADER = "x-gatehouse-console";

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** The origins this server answers as: GATEHOUSE_URL when set, else the request's own. */
function ownOrigins(req: Request): Set<string> {
  const e = env();
  if (e.GATEHOUSE_URL) return new Set([e.publicUrl]);
  const origins = new Set([new URL(req.url).origin]);
  const host = req.headers.get("host");
  if (host) {
    const proto = new URL(req.url).protocol;
    origins.add(`${proto}//${host}`);
  }
  return origins;
}

/**
 * CSRF defence for console mutations: require `X-Gatehouse-Console: 1` and,
 * when the browser sends Origin, that it is this server's own origin.
 * Reads (GET/HEAD) pass through.
 */
export function consoleMutation(req: Request): void {
  if (!MUTATING.has(req.method.toUpperCase())) return;
  const refuse = () => new AppError("forbidden", "cross-site request refused");
  if (req.headers.get(CONSOLE_HEADER) !== "1") throw refuse();
  const origin = req.headers.get("origin");
  if (origin !== null && !ownOrigins(req).has(origin)) throw refuse();
}

export type ConsoleContext<P> = HandlerContext<P> & { user: SessionUser };

/**
 * Every console API route: handler() (request id, error mapping), the CSRF
 * check for mutations, then the role check. `roles` lists who may call it;
 * use ANY_ROLE for "any signed-in user". A user whose scopes are restricted to
 * some tenants is refused here (403): a route that is not tenant-scoped
 * (configuration, users, policies, break-glass) acts on every tenant at once.
 * A route that narrows its data to the user's scopes uses scopedConsoleHandler
 * instead — so a new route is closed to restricted users until it is scoped.
 */
export function consoleHandler<P = Record<string, string>>(roles: readonly Role[], fn: (req: Request, ctx: ConsoleContext<P>) => Promise<Response>) {
  return guarded(roles, false, fn);
}

/**
 * A console route whose every read filters with scopeWhere(user) and every
 * write checks covers(user, …) (lib/auth/scopes.ts); restricted users reach it.
 * test/console-scope-walk.test.ts walks every route as a reviewer of one tenant.
 */
export function scopedConsoleHandler<P = Record<string, string>>(roles: readonly Role[], fn: (req: Request, ctx: ConsoleContext<P>) => Promise<Response>) {
  return guarded(roles, true, fn);
}

function guarded<P>(roles: readonly Role[], scoped: boolean, fn: (req: Request, ctx: ConsoleContext<P>) => Promise<Response>) {
  // Console routes run under Next.js only, so they get the whole Request (next-auth reads its cookies).
  return handler<P, Request>(async (req, ctx) => {
    consoleMutation(req);
    // Per-role scopes (narrowFor): a scoped route sees the union of the allowed roles' scopes; an unscoped one keeps only unrestricted roles.
    const user = narrowFor(await requireRoleFor(req, ...roles), roles, scoped);
    if (!user) throw new AppError("forbidden", "This needs a grant for every tenant and environment; yours covers only some.", { reason: "scope_restricted" });
    return fn(req, { ...ctx, user });
  });
}
