import "server-only";
import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/auth-options";
import { RATE_LIMITED } from "@/lib/auth/authorize-credentials";
import { handler } from "@/lib/http/handler";
import { checkLibraryBody } from "@/lib/http/parse-body";

type Ctx = { params: Promise<{ nextauth: string[] }> };

/** next-auth for /api/auth/*: options built per request, so env() (and NEXTAUTH_URL) is resolved before next-auth runs and cookies are Secure exactly when this request came over TLS. */
async function nextAuthHandler(req: Request, ctx: Ctx): Promise<Response> {
  await refuseBadBody(req);
  const nextAuth = NextAuth(authOptions(req)) as unknown as (req: Request, ctx: Ctx) => Promise<Response>;
  return nextAuth(req, ctx);
}

/**
 * next-auth reads a POST body whole, with no limit, and parses one it is told is JSON
 * (its test: the content type *includes* application/json) letting the SyntaxError
 * escape as a 500: such bodies are checked first (413, 400) by lib/http/parse-body.
 */
async function refuseBadBody(req: Request): Promise<void> {
  if (req.method === "POST") await checkLibraryBody(req, { json: !!req.headers.get("content-type")?.includes("application/json") });
}

/** /api/auth/* GET: next-auth, with a request id and an error mapped like every other route's. */
export const nextAuthRoute = handler<{ nextauth: string[] }, Request>((req, c) => nextAuthHandler(req, { params: Promise.resolve(c.params) }));

/** /api/auth/* POST: a rate-limited credentials sign-in answers 429 (next-auth alone would say 401). */
export const nextAuthPostRoute = handler<{ nextauth: string[] }, Request>(async (req, c) => {
  const res = await nextAuthHandler(req, { params: Promise.resolve(c.params) });
  if (res.status !== 401 || !res.headers.get("content-type")?.includes("application/json")) return res;
  const body = (await res
    .clone()
    .json()
    .catch(() => null)) as { url?: string } | null;
  const error = body?.url ? new URL(body.url, "http://x").searchParams.get("error") : null;
  if (error !== RATE_LIMITED) return res;
  const headers = new Headers(res.headers);
  headers.set("Retry-After", "60");
  return new Response(JSON.stringify(body), { status: 429, headers });
});
