import "server-only";
import type { JWTPayload } from "jose";
import { atCommit, sqlTransaction } from "@/lib/db/sql";
import type { Sql } from "@/lib/db/types";
import { env } from "@/lib/env";
import { AppError, ok, refusal, type Outcome } from "@/lib/errors";
import { appendAudit, type AuditInput } from "@/lib/audit/append";
import { spendActionToken, tokenRedeemState, tokenStoppedReason } from "@/lib/db/tables/issued-token";
import { markActionRedeemed } from "@/lib/db/tables/action";
import { admitRedeem, auditRateLimited, auditRefusal } from "@/lib/tokens/redeem-guard";
import { publicJwks } from "@/lib/tokens/signing-keys";
import { CapabilityError, verifyActionTokenUnscoped } from "@gatehouse-dev/sdk";
import { countRedemption } from "@/lib/metrics/record";
import type { ActionClaims } from "@gatehouse-dev/sdk";

export type RedeemInput = { token: string; tool: string; args: unknown };

export type RedeemResult = {
  action_id: string;
  tenant: string;
  env: string;
  tool: string;
  args_hash: string;
  redeemed_at: string;
};

/**
 * Redeem an action token exactly once, for the tool and args it was minted
 * for. The token is its own authentication: it is verified against the
 * server's own keys (no HTTP), then its jti is spent in one conditional
 * UPDATE, so concurrent redemptions cannot both succeed. Every refusal is
 * audited with its reason code.
 */
export async function redeemActionToken(input: RedeemInput, ctx: RedeemContext): Promise<RedeemResult> {
  const source = ctx.source ?? "in-process";
  // Flood control is for the open endpoint's callers. Gatehouse's own gateway redeems in process, once per claimed
  // call: refusals it met (a kill switch during an incident) must not lock out the approved calls after them.
  const limited = ctx.redeemer === "mcp-gateway" ? null : admitRedeem(source, input.token);
  if (limited) {
    countRedemption(limited);
    await auditRateLimited(source, limited);
    throw new AppError("rate_limited", "Too many refused or repeated redemptions; retry after a minute.", { reason: limited });
  }
  const e = env();
  let claims: ActionClaims;
  try {
    claims = await verifyActionTokenUnscoped(input.token, {
      jwks: await publicJwks(),
      issuer: e.GATEHOUSE_ISSUER,
      audience: e.GATEHOUSE_AUDIENCE,
      tool: input.tool,
      args: input.args,
    });
  } catch (err) {
    if (!(err instanceof CapabilityError)) throw err;
    throw await refuse(ctx, input.tool, redeemRefusal(err.code), err.claims);
  }

  const now = new Date();
  // Raw SQL (lib/db/tables): the ORM costs about ten times a prepared statement, and the MCP gateway redeems on every call.
  const outcome = await sqlTransaction(
    atCommit(async (tx: Sql): Promise<Outcome<void>> => {
      if (!(await spendActionToken(tx, { jti: claims.jti, actionId: claims.action_id, now }))) {
        const row = await tokenRedeemState(tx, claims.jti);
        return refusal(redeemRefusal(!row ? "unknown_token" : row.redeemedAt ? "already_redeemed" : "expired"));
      }
      // A control that came after the mint (kill switch, revoked credential, cancelled
      // action, ended run, open breaker) stops the token; it stays spent.
      const stopped = await tokenStoppedReason(tx, claims.jti, now);
      if (stopped) return refusal(redeemRefusal(stopped));
      // One redemption per action (allowed or approved only), even if more than one token was minted for it.
      const marked = await markActionRedeemed(tx, { id: claims.action_id, tenantId: claims.tenant, env: claims.env, tool: claims.tool, argsHash: claims.args_hash, now });
      if (!marked) return refusal(redeemRefusal("action_not_redeemable"));
      await appendAudit(tx, { ...auditScope(claims, ctx), type: "token.redeemed", requestId: ctx.requestId, status: "ok", data: { redeemed_at: now.toISOString() } });
      return ok(undefined);
    }),
  );
  // Returned, not thrown: a token whose action can no longer run stays spent.
  if (!outcome.ok) throw await refuse(ctx, input.tool, outcome.error, claims);
  countRedemption("ok");

  return {
    action_id: claims.action_id,
    tenant: claims.tenant,
    env: claims.env,
    tool: claims.tool,
    args_hash: claims.args_hash,
    redeemed_at: now.toISOString(),
  };
}

export type RedeemContext = {
  requestId: string;
  /** The caller's address, for flood control; in-process callers share one. */
  source?: string;
  /** Who redeems, as the audit log's actor: a tool service (the default), or Gatehouse's own MCP gateway running an approved call. */
  redeemer?: "mcp-gateway";
};

const CONFLICT_REASONS = new Set(["already_redeemed", "action_not_redeemable", "action_cancelled"]);

/** Why a control stopped a token, as the tool service reads it. */
const STOPPED_MESSAGES: Record<string, string> = {
  kill_switch: "A kill switch stopped this token's tenant or tool.",
  credential_revoked: "The agent credential this token was issued to has been revoked.",
  run_ended: "The run this token belongs to has ended (its time budget is over).",
  circuit_open: "The circuit breaker of this token's route is open.",
  action_cancelled: "The action was cancelled; its token is revoked.",
  canary: "The token is not valid for this call.",
};

/** The error the caller sees for a refusal reason. */
function redeemRefusal(reason: string): AppError {
  if (reason === "action_cancelled") return new AppError("conflict", STOPPED_MESSAGES[reason]!, { reason });
  if (CONFLICT_REASONS.has(reason)) return new AppError("conflict", "The token has already been redeemed or its action can no longer run.", { reason });
  return new AppError("forbidden", STOPPED_MESSAGES[reason] ?? "The token is not valid for this call.", { reason });
}

/**
 * Audit the refusal (aggregated: the first of its kind per source in a window
 * gets a row, the rest a periodic summary; lib/tokens/redeem-guard.ts);
 * returns the error to throw.
 */
async function refuse(ctx: RedeemContext, tool: string, error: AppError, verified?: JWTPayload | ActionClaims): Promise<AppError> {
  const reason = error.reason!;
  countRedemption(reason);
  const scope = auditScope((verified ?? {}) as Partial<ActionClaims>, ctx);
  await auditRefusal(ctx.source ?? "in-process", `${reason}:${scope.jti ?? "-"}`, {
    ...scope,
    tool: scope.tool ?? tool,
    type: "token.redeem_refused",
    requestId: ctx.requestId,
    status: "refused",
    reason,
    data: { requested_tool: tool },
  });
  return error;
}

/**
 * Audit fields from claims whose signature checked out. Unverified claims
 * never reach the audit log, so a forged token cannot write in a tenant's name.
 */
function auditScope(c: Partial<ActionClaims>, ctx: RedeemContext): Omit<AuditInput, "type"> {
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  return {
    actorType: "system",
    actorId: ctx.redeemer ?? "tool-service",
    tenantId: str(c.tenant),
    env: str(c.env),
    route: str(c.route),
    tool: str(c.tool),
    argsHash: str(c.args_hash),
    idempotencyKey: str(c.idempotency_key),
    actionId: str(c.action_id),
    runId: str(c.run_id),
    jti: str(c.jti),
    approvalIds: Array.isArray(c.approver_ids) ? c.approver_ids.filter((v): v is string => typeof v === "string") : null,
    breakGlassSessionId: str(c.bg),
  };
}
