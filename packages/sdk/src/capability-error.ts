import type { JWTPayload } from "jose";

export type CapabilityErrorCode =
  | "malformed"
  | "bad_signature"
  | "unknown_kid"
  | "wrong_typ"
  | "wrong_iss"
  | "wrong_aud"
  | "expired"
  | "not_yet_valid"
  | "lifetime_too_long"
  | "wrong_tenant"
  | "wrong_env"
  | "wrong_tool"
  | "args_mismatch"
  | "jwks_unavailable"
  /** Gatehouse's revocation feed lists the token: a control stopped it after it was minted. */
  | "revoked"
  /** The revocation feed could not be read for longer than the staleness bound: fail closed. */
  | "revocations_unavailable";

/** A refused token. `code` is machine-readable; `claims` is set only once the signature checked out. */
export class CapabilityError extends Error {
  readonly code: CapabilityErrorCode;
  readonly claims?: JWTPayload;

  constructor(code: CapabilityErrorCode, message: string, claims?: JWTPayload) {
    super(message);
    this.name = "CapabilityError";
    this.code = code;
    this.claims = claims;
  }
}
