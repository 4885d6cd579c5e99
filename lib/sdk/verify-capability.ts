import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, errors, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from "jose";
import type { z } from "zod";
import { argsHash } from "@/lib/sdk/args-hash";
import { CapabilityError, type CapabilityErrorCode } from "@/lib/sdk/capability-error";
import { checkJwtClaims } from "@/lib/sdk/check-jwt-claims";
import { verifyEd25519Jws } from "@/lib/sdk/verify-jws";
import {
  ACTION_TOKEN_TYP,
  MAX_TOKEN_TTL_SECONDS,
  PREVIEW_TOKEN_TTL_SECONDS,
  PREVIEW_TOKEN_TYP,
  RUN_TOKEN_TYP,
  TOKEN_ALG,
  actionClaimsSchema,
  previewAudience,
  previewClaimsSchema,
  runClaimsSchema,
  type ActionClaims,
  type PreviewClaims,
  type RunClaims,
} from "@/lib/sdk/token-claims";

/**
 * Offline verification of Gatehouse capability tokens, for tool services.
 * Imports nothing from the server: signature against the JWKS (keys found by
 * jose's key sets, Ed25519 checked by node:crypto: lib/sdk/verify-jws.ts), algorithm
 * pinned to EdDSA, exact `typ`, `iss`/`aud`, `exp`/`nbf`, lifetime ≤ 5 min,
 * claims shape, then the scope the service serves and the args it will run.
 */

export { CapabilityError, type CapabilityErrorCode } from "@/lib/sdk/capability-error";

export type JwksSource = JSONWebKeySet | URL | JWTVerifyGetKey;

type CommonOptions = {
  /** A JWKS document, its URL (fetched and cached), or a jose key resolver. */
  jwks: JwksSource;
  issuer: string;
  audience: string;
  clockToleranceSeconds?: number;
};

export type VerifyActionOptions = CommonOptions & {
  /** The tenant and environment this tool service serves. */
  tenant: string;
  env: string;
  /** The tool about to run and the exact args it will run with. */
  tool: string;
  args: unknown;
};

export type VerifyRunOptions = CommonOptions & { tenant: string; env: string; tool: string };

/** `audience` is the tool services' audience; the preview token's is derived from it (`<audience>/preview`). */
export type VerifyPreviewOptions = CommonOptions & { tenant: string; env: string; tool: string; args: unknown };

const MAX_TOKEN_CHARS = 4096;
const DEFAULT_TOLERANCE_SECONDS = 5;

/** Verify an action token for one tool call; throws CapabilityError on any failure. */
export async function verifyActionToken(token: string, opts: VerifyActionOptions): Promise<ActionClaims> {
  const claims = await verifyActionTokenUnscoped(token, opts);
  checkScope(claims, opts);
  return claims;
}

/**
 * Every action-token check except tenant and environment. For Gatehouse
 * itself, which serves every tenant and takes the scope from the token;
 * tool services use `verifyActionToken`.
 */
export async function verifyActionTokenUnscoped(token: string, opts: CommonOptions & { tool: string; args: unknown }): Promise<ActionClaims> {
  const claims = await verifyCommon(token, opts, ACTION_TOKEN_TYP, actionClaimsSchema);
  if (claims.tool !== opts.tool) {
    throw new CapabilityError("wrong_tool", `The token is for tool ${claims.tool}, not ${opts.tool}.`, claims);
  }
  let hash: string;
  try {
    hash = argsHash(opts.args);
  } catch {
    throw new CapabilityError("args_mismatch", "The args cannot be hashed as JSON.", claims);
  }
  if (hash !== claims.args_hash) {
    throw new CapabilityError("args_mismatch", "The args differ from the approved args.", claims);
  }
  return claims;
}

/** Verify a run token for one read tool; throws CapabilityError on any failure. */
export async function verifyRunToken(token: string, opts: VerifyRunOptions): Promise<RunClaims> {
  const claims = await verifyCommon(token, opts, RUN_TOKEN_TYP, runClaimsSchema);
  checkScope(claims, opts);
  if (!claims.tools.includes(opts.tool)) {
    throw new CapabilityError("wrong_tool", `The run token does not allow tool ${opts.tool}.`, claims);
  }
  return claims;
}

/**
 * Verify a preview token: Gatehouse asking what an action on `tool` would
 * change, with the args in the request body. Authorises a read of the current
 * state only; throws CapabilityError on any failure.
 */
export async function verifyPreviewToken(token: string, opts: VerifyPreviewOptions): Promise<PreviewClaims> {
  const claims = await verifyCommon(token, { ...opts, audience: previewAudience(opts.audience) }, PREVIEW_TOKEN_TYP, previewClaimsSchema, PREVIEW_TOKEN_TTL_SECONDS);
  checkScope(claims, opts);
  if (claims.tool !== opts.tool) throw new CapabilityError("wrong_tool", `The preview token is for tool ${claims.tool}, not ${opts.tool}.`, claims);
  let hash: string;
  try {
    hash = argsHash(opts.args);
  } catch {
    throw new CapabilityError("args_mismatch", "The args cannot be hashed as JSON.", claims);
  }
  if (hash !== claims.args_hash) throw new CapabilityError("args_mismatch", "The args differ from the ones the preview token names.", claims);
  return claims;
}

function checkScope(claims: { tenant: string; env: string }, opts: { tenant: string; env: string }): void {
  if (claims.tenant !== opts.tenant) throw new CapabilityError("wrong_tenant", "The token is for another tenant.", claims);
  if (claims.env !== opts.env) throw new CapabilityError("wrong_env", "The token is for another environment.", claims);
}

async function verifyCommon<S extends z.ZodType<{ iat: number; exp: number }>>(
  token: string,
  opts: CommonOptions,
  typ: string,
  schema: S,
  maxTtlSeconds: number = MAX_TOKEN_TTL_SECONDS,
): Promise<z.infer<S>> {
  if (typeof token !== "string" || token.length === 0 || token.length > MAX_TOKEN_CHARS) {
    throw new CapabilityError("malformed", "The token is missing or too long.");
  }
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new CapabilityError("malformed", "The token header cannot be decoded.");
  }
  // Checked before any key lookup: "none", HMAC with a public key as secret,
  // or any other algorithm never reaches signature verification.
  if (header.alg !== TOKEN_ALG) throw new CapabilityError("bad_signature", `Algorithm ${String(header.alg)} is not accepted.`);
  // A preview token is read-only: refused by name for a run or an action, before anything else is looked at.
  if (header.typ === PREVIEW_TOKEN_TYP && typ !== PREVIEW_TOKEN_TYP) {
    throw new CapabilityError("wrong_typ", "A preview token is read-only; it never authorises a tool call.");
  }
  if (typeof header.kid !== "string" || header.kid.length === 0) {
    throw new CapabilityError("unknown_kid", "The token names no key id.");
  }
  const tolerance = opts.clockToleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  let payload: JWTPayload;
  let protectedHeader: { typ?: string };
  try {
    ({ payload, header: protectedHeader } = await verifyEd25519Jws(token, keyResolver(opts.jwks)));
  } catch (err) {
    throw mapJoseError(err);
  }
  checkJwtClaims(payload, {
    issuer: opts.issuer,
    audience: opts.audience,
    tolerance,
    maxAgeSeconds: maxTtlSeconds,
    required: ["sub", "jti", "iat", "nbf", "exp"],
  });
  // Exact match: jose's own typ option would also accept "application/" prefixes and other casing.
  if (protectedHeader.typ !== typ) {
    throw new CapabilityError("wrong_typ", `Expected a ${typ} token.`, payload);
  }
  const parsed = schema.safeParse(payload);
  if (!parsed.success) throw new CapabilityError("malformed", "The token's claims are invalid.", payload);
  const claims = parsed.data;
  if (claims.exp - claims.iat > maxTtlSeconds + tolerance) {
    throw new CapabilityError("lifetime_too_long", `The token lives longer than ${maxTtlSeconds} seconds.`, payload);
  }
  return claims;
}

const remoteSets = new Map<string, JWTVerifyGetKey>();

/** One remote set per URL, so its cache (and refetch on an unknown kid) is shared. */
function keyResolver(source: JwksSource): JWTVerifyGetKey {
  if (typeof source === "function") return source;
  if (source instanceof URL) {
    let set = remoteSets.get(source.href);
    if (!set) {
      set = createRemoteJWKSet(source);
      remoteSets.set(source.href, set);
    }
    return set;
  }
  // Importing a key costs more than verifying with it, so a local set (and the keys
  // it imports) is kept per JWKS content: a rotated set is a different key here.
  const id = JSON.stringify(source.keys);
  let set = localSets.get(id);
  if (!set) {
    if (localSets.size >= MAX_LOCAL_SETS) localSets.clear();
    set = createLocalJWKSet(source);
    localSets.set(id, set);
  }
  return set;
}

const localSets = new Map<string, JWTVerifyGetKey>();
const MAX_LOCAL_SETS = 64;

/** A jose error (from the key set, or jwtVerify in the reference test) as the CapabilityError it means. */
export function mapJoseError(err: unknown): CapabilityError {
  if (err instanceof CapabilityError) return err;
  if (err instanceof errors.JWTExpired) return new CapabilityError("expired", "The token has expired.", err.payload);
  if (err instanceof errors.JWTClaimValidationFailed) {
    const byClaim: Record<string, CapabilityErrorCode> = {
      iss: "wrong_iss",
      aud: "wrong_aud",
      nbf: "not_yet_valid",
      iat: "not_yet_valid",
    };
    const code = (err.reason === "check_failed" || err.reason === "mismatch" ? byClaim[err.claim] : undefined) ?? "malformed";
    return new CapabilityError(code, `The token's "${err.claim}" claim is not accepted.`, err.payload);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return new CapabilityError("bad_signature", "The signature is invalid.");
  if (err instanceof errors.JOSEAlgNotAllowed) return new CapabilityError("bad_signature", "The algorithm is not accepted.");
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
    return new CapabilityError("unknown_kid", "No published key matches the token's key id.");
  }
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || err instanceof TypeError) {
    return new CapabilityError("jwks_unavailable", "The key set could not be loaded.");
  }
  if (err instanceof errors.JOSEError) return new CapabilityError("malformed", "The token is malformed.");
  return new CapabilityError("jwks_unavailable", "The token could not be verified.");
}
