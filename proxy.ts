import { NextResponse, type NextRequest } from "next/server";

// Same rule for a caller-supplied id as lib/http/request-id.ts; repeated because proxy stays free of lib/ imports.
const WELL_FORMED = /^[A-Za-z0-9._:-]{8,64}$/;

/**
 * The console's Content-Security-Policy: scripts only with this response's
 * nonce (Next.js reads it from the request's CSP header and puts it on its own
 * scripts; 'strict-dynamic' lets those load their chunks), nothing framed,
 * posted or based elsewhere. Styles allow inline because React and the charts
 * set style attributes; scripts never do. Development needs eval for React's
 * debugging aids.
 */
function contentSecurityPolicy(nonce: string): string {
  const dev = process.env.NODE_ENV === "development";
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * Gives every request and response one X-Request-Id (a well-formed incoming
 * one is kept), a fresh CSP nonce, and tells pages their own path for the
 * sign-in callbackUrl. No authorization here: that happens where data is touched.
 */
export function proxy(req: NextRequest) {
  const given = req.headers.get("x-request-id");
  const requestId = given && WELL_FORMED.test(given) ? given : `req_${crypto.randomUUID().replaceAll("-", "")}`;
  const nonce = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  const csp = contentSecurityPolicy(nonce);
  const headers = new Headers(req.headers);
  headers.set("x-request-id", requestId);
  headers.set("x-gatehouse-path", req.nextUrl.pathname + req.nextUrl.search);
  headers.set("x-nonce", nonce);
  headers.set("content-security-policy", csp);
  const res = NextResponse.next({ request: { headers } });
  res.headers.set("X-Request-Id", requestId);
  res.headers.set("Content-Security-Policy", csp);
  return res;
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
