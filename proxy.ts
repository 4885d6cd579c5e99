import { NextResponse, type NextRequest } from "next/server";

// Same rule for a caller-supplied id as lib/http/request-id.ts; repeated because proxy stays free of lib/ imports.
const WELL_FORMED = /^[A-Za-z0-9._:-]{8,64}$/;

/**
 * Gives every request and response one X-Request-Id (a well-formed incoming
 * one is kept) and tells pages their own path for the sign-in callbackUrl.
 * No authorization here: that happens where data is touched.
 */
export function proxy(req: NextRequest) {
  const given = req.headers.get("x-request-id");
  const requestId = given && WELL_FORMED.test(given) ? given : `req_${crypto.randomUUID().replaceAll("-", "")}`;
  const headers = new Headers(req.headers);
  headers.set("x-request-id", requestId);
  headers.set("x-gatehouse-path", req.nextUrl.pathname + req.nextUrl.search);
  const res = NextResponse.next({ request: { headers } });
  res.headers.set("X-Request-Id", requestId);
  return res;
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
