import "server-only";
import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/auth-options";
import { RATE_LIMITED } from "@/lib/auth/authorize-credentials";
import { AppError } from "@/lib/errors";
import { handler } from "@/lib/http/handler";

type Ctx = { params: Promise<{ nextauth: string[] }> };

/** next-auth for /api/auth/*: options built per request, so env() (and NEXTAUTH_URL) is resolved before next-auth runs and cookies are Secure exactly when this request came over TLS. */
async function nextAuthHandler(req: Request, ctx: Ctx): Promise<Response> {
  await refuseBadJson(req);
  const nextAuth = NextAuth(authOptions(req)) as unknown as (req: Request, ctx: Ctx) => Promise<Response>;
  return nextAuth(req, ctx);
}

/**
 * next-auth parses a POST body it is told is JSON with `req.json()` and lets the
 * SyntaxError escape as a 500; such a body is refused here first (400 bad_json),
 * by next-auth's own test for JSON (the content type *includes* application/json).
 */
async function refuseBadJson(req: Request): Promise<void> {
  if (req.method !== "POST" || !req.body || !req.headers.get("content-type")?.includes("application/json")) return;
  try {
    JSON.parse(await req.clone().text());
  } catch {
    throw new AppError("bad_json", "Body is not valid JSON.");
  }
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
