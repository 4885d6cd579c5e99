import { base64url, type JWTHeaderParameters, type JWTPayload } from "jose";
import { CapabilityError } from "./capability-error";
import { TOKEN_ALG } from "./token-claims";

export type VerifiedJws = { header: JWTHeaderParameters; payload: JWTPayload };

/**
 * The runtime-neutral half of compact EdDSA JWS verification, shared by the
 * node:crypto path (./verify-jws) and the WebCrypto path (./verify-jws-web).
 * Stricter than jose where jose is lenient: no `crit` header at all, and every
 * part must be canonical base64url, so a token has exactly one spelling.
 */
export function splitJws(token: string): { h: string; p: string; s: string; header: JWTHeaderParameters } {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts.every(isBase64url)) throw malformed("The token is not a compact JWS.");
  const [h, p, s] = parts as [string, string, string];
  const header = decodeJsonObject(h) as JWTHeaderParameters | null;
  if (!header) throw malformed("The token header is not a JSON object.");
  // No extension is understood here, so none may be critical (RFC 7515 §4.1.11).
  if (header.crit !== undefined) throw malformed("The token uses critical header extensions.");
  if (header.alg !== TOKEN_ALG) throw new CapabilityError("bad_signature", `Algorithm ${String(header.alg)} is not accepted.`);
  return { h, p, s, header };
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Base64url without padding whose unused trailing bits are zero: the only spelling of its bytes. */
function isBase64url(part: string): boolean {
  if (!BASE64URL.test(part) || part.length % 4 === 1) return false;
  try {
    return base64url.encode(base64url.decode(part)) === part;
  } catch {
    return false;
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A plain JSON object from a base64url part, or null (bad UTF-8, bad JSON, an array, null, a scalar). */
export function decodeJsonObject(part: string): Record<string, unknown> | null {
  let v: unknown;
  try {
    v = JSON.parse(utf8.decode(base64url.decode(part)));
  } catch {
    return null;
  }
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

export function malformed(message: string): CapabilityError {
  return new CapabilityError("malformed", message);
}
