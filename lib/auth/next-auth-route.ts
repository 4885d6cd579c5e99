import "server-only";
import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/auth-options";
import { RATE_LIMITED } from "@/lib/auth/authorize-credentials";

type Ctx = { params: Promise<{ nextauth: string[] }> };

/** next-auth for /api/auth/*: options built per request, so env() (and NEXTAUTH_URL) is resolved before next-auth runs and cookies are Secure exactly when this request came over TLS. */
export async function nextAuthRoute(req: Request, ctx: Ctx): Promise<Response> {
  const nextAuth = NextAuth(authOptions(req)) as unknown as (req: Request, ctx: Ctx) => Promise<Response>;
  return nextAuth(req, ctx);
}

/** nextAuthRoute for POST: a rate-limited credentials sign-in answers 429 (next-auth alone would say 401). */
export async function nextAuthPostRoute(req: Request, ctx: Ctx): Promise<Response> {
  const res = await nextAuthRoute(req, ctx);
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
}
