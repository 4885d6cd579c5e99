import type { JWTPayload } from "jose";
import { CapabilityError } from "./capability-error";

export type ClaimRules = {
  issuer: string;
  audience: string;
  /** Seconds of clock skew forgiven on exp, nbf and iat. */
  tolerance: number;
  /** Oldest acceptable `iat`, in seconds. */
  maxAgeSeconds: number;
  /** Claims that must be present (iss, aud and iat always are). */
  required: readonly string[];
  nowSeconds?: number;
};

/**
 * The registered-claim checks of jose's jwtVerify, in its order and with the
 * error each one maps to (test/verify-jws.test.ts runs both on the same
 * tokens): presence, iss, aud, then nbf, exp and iat against the clock.
 * Pure: the types of the private claims are the schema's job.
 */
export function checkJwtClaims(claims: JWTPayload, rules: ClaimRules): void {
  const presence = new Set([...rules.required, "iat", "aud", "iss"].reverse());
  for (const claim of presence) {
    if (!Object.hasOwn(claims, claim)) throw new CapabilityError("malformed", `The token's "${claim}" claim is missing.`, claims);
  }
  if (claims.iss !== rules.issuer) throw new CapabilityError("wrong_iss", `The token's "iss" claim is not accepted.`, claims);
  const aud = claims.aud;
  if (!(typeof aud === "string" ? aud === rules.audience : Array.isArray(aud) && aud.includes(rules.audience))) {
    throw new CapabilityError("wrong_aud", `The token's "aud" claim is not accepted.`, claims);
  }
  const now = rules.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tol = rules.tolerance;
  const iat = numericDate(claims, "iat");
  const nbf = numericDate(claims, "nbf");
  if (nbf !== undefined && nbf > now + tol) throw new CapabilityError("not_yet_valid", `The token's "nbf" claim is not accepted.`, claims);
  const exp = numericDate(claims, "exp");
  if (exp !== undefined && exp <= now - tol) throw new CapabilityError("expired", "The token has expired.", claims);
  const age = now - iat!;
  if (age - tol > rules.maxAgeSeconds) throw new CapabilityError("expired", "The token has expired.", claims);
  if (age < -tol) throw new CapabilityError("not_yet_valid", `The token's "iat" claim is not accepted.`, claims);
}

function numericDate(claims: JWTPayload, claim: "iat" | "nbf" | "exp"): number | undefined {
  const v = claims[claim];
  if (v === undefined) return undefined;
  if (typeof v !== "number") throw new CapabilityError("malformed", `The token's "${claim}" claim is not accepted.`, claims);
  return v;
}
