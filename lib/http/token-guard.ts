import "server-only";
import { handler, type HandlerContext } from "@/lib/http/handler";
import { authenticateApiToken, type ApiTokenScope, type TokenUser } from "@/lib/auth/api-tokens";

export type TokenContext<P> = HandlerContext<P> & { user: TokenUser };

/**
 * Routes for automation with a human API token (`Authorization: Bearer gh_tok_…`):
 * handler() (request id, error mapping), then the token and its scope. No
 * cookies are read, so there is no CSRF surface; anything a token approves
 * reaches the two-person rules as channel "api_token", which never counts.
 */
export function tokenHandler<P = Record<string, string>>(scope: ApiTokenScope, fn: (req: Request, ctx: TokenContext<P>) => Promise<Response>) {
  return handler<P, Request>(async (req, ctx) => fn(req, { ...ctx, user: await authenticateApiToken(req, scope, ctx.requestId) }));
}
