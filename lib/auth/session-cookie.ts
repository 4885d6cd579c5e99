import "server-only";
import { decode } from "next-auth/jwt";
import { env } from "@/lib/env";

const BASE_NAME = "next-auth.session-token";

/** next-auth's session cookie name; `__Secure-` when the request came over TLS. */
export function sessionCookieName(secure = secureCookies()): string {
  return secure ? `__Secure-${BASE_NAME}` : BASE_NAME;
}

/**
 * Cookies are marked Secure when the console URL is https, or when this
 * request arrived over TLS at the proxy in front of us (`X-Forwarded-Proto:
 * https`, its first entry). Per request, so a plain-http GATEHOUSE_URL behind
 * a TLS proxy still gets Secure cookies. A client that sends the header over
 * plain http only makes its own cookie stricter.
 */
export function secureCookies(headers?: Pick<Headers, "get"> | null): boolean {
  if (env().publicUrl.startsWith("https://")) return true;
  const proto = headers?.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  return proto === "https";
}

/** `epoch` is the user's sessionEpoch when the session was minted (0 for sessions from before it existed). */
export type SessionClaims = { userId: string; epoch: number };

/**
 * Read and decrypt the session JWT from cookies only. Unlike next-auth's
 * getToken, an Authorization header is never consulted, so an agent's
 * bearer key can never stand in for a console session.
 */
export async function readSessionClaims(cookies: ReadonlyMap<string, string>, secure = secureCookies()): Promise<SessionClaims | null> {
  const name = sessionCookieName(secure);
  let token = cookies.get(name);
  if (!token) {
    // next-auth splits large tokens into name.0, name.1, …
    const chunks = [...cookies.keys()]
      .filter((k) => k.startsWith(`${name}.`) && /^\d+$/.test(k.slice(name.length + 1)))
      .sort((a, b) => Number(a.slice(name.length + 1)) - Number(b.slice(name.length + 1)));
    token = chunks.map((k) => cookies.get(k)).join("") || undefined;
  }
  if (!token) return null;
  try {
    const payload = await decode({ token, secret: env().sessionSecret });
    const sub = payload?.sub;
    const epoch = payload?.epoch ?? 0;
    return typeof sub === "string" && sub && Number.isSafeInteger(epoch) ? { userId: sub, epoch: epoch as number } : null;
  } catch {
    // Tampered, expired or signed with an old secret: no session.
    return null;
  }
}

/** Parse a Cookie header into a map (first occurrence of a name wins). */
export function parseCookieHeader(header: string | null): Map<string, string> {
  const map = new Map<string, string>();
  if (!header) return map;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    if (!k || map.has(k)) continue;
    const raw = part.slice(i + 1).trim();
    try {
      map.set(k, decodeURIComponent(raw));
    } catch {
      map.set(k, raw);
    }
  }
  return map;
}
