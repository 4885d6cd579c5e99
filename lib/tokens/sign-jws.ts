import "server-only";
import crypto from "node:crypto";
import { TOKEN_ALG } from "@gatehouse-dev/sdk";

export type SigningKeyObject = { kid: string; keyObject: crypto.KeyObject };

/**
 * A compact JWS (EdDSA/Ed25519) over `{ alg, kid, typ }` and the claims — the
 * same bytes jose's SignJWT produces, signed synchronously with a cached
 * node:crypto KeyObject: jose signs through WebCrypto (async, a CryptoKey
 * per call), 4× raw signing here (bench P5), and inside a write transaction an
 * async step keeps other requests from sharing its commit. Verification stays
 * with jose (packages/sdk/src/verify-capability.ts), where the parsing is.
 */
export function signJws(claims: Record<string, unknown>, typ: string, key: SigningKeyObject): string {
  const header = Buffer.from(JSON.stringify({ alg: TOKEN_ALG, kid: key.kid, typ })).toString("base64url");
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const input = `${header}.${payload}`;
  return `${input}.${crypto.sign(null, Buffer.from(input), key.keyObject).toString("base64url")}`;
}
