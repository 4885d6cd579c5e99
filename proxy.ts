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

/** True when every %-escape in the path decodes (lib/http/decode-path.ts's rule; repeated for the same reason). */
function decodablePath(pathname: string): boolean {
  if (!pathname.includes("%")) return true;
  try {
    decodeURIComponent(pathname);
    return true;
  } catch {
    return false;
  }
}

/**
 * Gives every request and response one X-Request-Id (a well-formed incoming
 * one is kept), a fresh CSP nonce, and tells pages their own path for the
 * sign-in callbackUrl. A path whose %-escapes do not decode is answered 400
 * here, before Next.js decodes route params and fails with a 500 (`npm start`
 * refuses it earlier still, in lib/http/app-server.ts). No authorization here:
 * that happens where data is touched.
 */
export function proxy(req: NextRequest) {
  const given = req.headers.get("x-request-id");
  const requestId = given && WELL_FORMED.test(given) ? given : `req_${crypto.randomUUID().replaceAll("-", "")}`;
  if (!decodablePath(req.nextUrl.pathname)) {
    return NextResponse.json(
      { error: { code: "bad_request", message: "The path has a malformed percent-escape.", request_id: requestId } },
      { status: 400, headers: { "X-Request-Id": requestId, "Cache-Control": "no-store" } },
    );
  }
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
