import "server-only";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { handler, type HandlerContext } from "@/lib/http/handler";
import { requireRoleFor, type SessionUser } from "@/lib/auth/session";
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
 * use ANY_ROLE for "any signed-in user".
 */
export function consoleHandler<P = Record<string, string>>(roles: readonly Role[], fn: (req: Request, ctx: ConsoleContext<P>) => Promise<Response>) {
  // Console routes run under Next.js only, so they get the whole Request (next-auth reads its cookies).
  return handler<P, Request>(async (req, ctx) => {
    consoleMutation(req);
    const user = await requireRoleFor(req, ...roles);
    return fn(req, { ...ctx, user });
  });
}
