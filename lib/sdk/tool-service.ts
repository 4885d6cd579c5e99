import { createRemoteJWKSet, type JWTVerifyGetKey } from "jose";
import { verifyActionToken, verifyPreviewToken, verifyRunToken } from "@/lib/sdk/verify-capability";
import type { ActionClaims, PreviewClaims, RunClaims } from "@/lib/sdk/token-claims";
import { createRevocationCache, type RevocationOptions } from "@/lib/sdk/revocation-cache";

export type ToolServiceOptions = {
  /** Base URL of Gatehouse, e.g. https://gatehouse.example.com */
  gatehouseUrl: string;
  issuer: string;
  audience: string;
  /** The one tenant and environment this tool service serves. */
  tenant: string;
  env: string;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /**
   * Consult Gatehouse's revocation feed on every verify (on by default): a token
   * stopped by a kill switch, revoked credential, cancelled action, ended run
   * or open breaker is refused with `revoked` within about `pollSeconds` (2 s)
   * plus 1 s; if the feed cannot be read for `maxStaleSeconds` (10 s) every
   * token is refused with `revocations_unavailable`. `false` turns it off.
   */
  revocations?: RevocationOptions | false;
};

export type RedeemReceipt = {
  action_id: string;
  tenant: string;
  env: string;
  tool: string;
  args_hash: string;
  redeemed_at: string;
};

/** Gatehouse refused the redemption (e.g. 409 already redeemed). */
export class RedeemError extends Error {
  readonly status: number;
  readonly code: string;
  readonly reason?: string;

  constructor(status: number, code: string, message: string, reason?: string) {
    super(message);
    this.name = "RedeemError";
    this.status = status;
    this.code = code;
    this.reason = reason;
  }
}

export type ToolService = {
  /** Verify offline (network only for the cached JWKS and revocation feed); throws CapabilityError. */
  verify(token: string, tool: string, args: unknown): Promise<ActionClaims>;
  /** The same for a run token and one read tool. */
  verifyRun(token: string, tool: string): Promise<RunClaims>;
  /**
   * Verify a preview request's token (offline) for `tool` and the args in its body: it allows reading
   * the current state to answer {before, after}, never a write; the action verifiers refuse it.
   */
  verifyPreview(token: string, tool: string, args: unknown): Promise<PreviewClaims>;
  /** Verify offline, then spend the token at Gatehouse; call right before executing. */
  redeem(token: string, tool: string, args: unknown): Promise<{ claims: ActionClaims; receipt: RedeemReceipt }>;
};

/**
 * What a tool service needs to accept Gatehouse action tokens: offline
 * verification against the published JWKS and one-time redemption.
 */
export function createToolService(opts: ToolServiceOptions): ToolService {
  const doFetch = opts.fetch ?? fetch;
  const jwks: JWTVerifyGetKey = createRemoteJWKSet(new URL("/.well-known/jwks.json", opts.gatehouseUrl));
  const redeemUrl = new URL("/api/v1/tokens/redeem", opts.gatehouseUrl);

  const revocations = opts.revocations === false ? null : createRevocationCache(new URL("/api/v1/tokens/revocations", opts.gatehouseUrl), doFetch, opts.revocations);

  const verify = async (token: string, tool: string, args: unknown) => {
    const claims = await verifyActionToken(token, { jwks, issuer: opts.issuer, audience: opts.audience, tenant: opts.tenant, env: opts.env, tool, args });
    await revocations?.check(claims.jti, claims);
    return claims;
  };

  return {
    verify,
    verifyPreview: (token, tool, args) => verifyPreviewToken(token, { jwks, issuer: opts.issuer, audience: opts.audience, tenant: opts.tenant, env: opts.env, tool, args }),
    async verifyRun(token, tool) {
      const claims = await verifyRunToken(token, { jwks, issuer: opts.issuer, audience: opts.audience, tenant: opts.tenant, env: opts.env, tool });
      await revocations?.check(claims.jti, claims);
      return claims;
    },
    async redeem(token, tool, args) {
      const claims = await verify(token, tool, args);
      const res = await doFetch(redeemUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ token, tool, args }),
      });
      const body = (await res.json().catch(() => null)) as (RedeemReceipt & { error?: undefined }) | { error?: { code?: string; message?: string; reason?: string } } | null;
      if (!res.ok || !body || body.error) {
        const e = body?.error;
        throw new RedeemError(res.status, e?.code ?? "http_error", e?.message ?? `Redeem failed with HTTP ${res.status}.`, e?.reason);
      }
      return { claims, receipt: body as RedeemReceipt };
    },
  };
}
