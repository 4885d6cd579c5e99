import "server-only";
import type { Action } from "@/lib/db/types";
import { APPROVAL_VALID_DEFAULT_SECONDS, APPROVAL_VALID_MAX_SECONDS, type Policy } from "@/lib/policy/types";
import { actionTokenTtlSeconds } from "@/lib/tokens/mint";

/**
 * An approved or allowed action's validity window: from its decision until
 * the route's `approval.valid_seconds` later, a fetch may turn it into a fresh
 * token once the last one expired unredeemed. No token outlives the window.
 * Break-glass decisions get no window beyond their one token: the on-call
 * mints again if it is needed.
 */
export function approvalWindow(policy: Policy, decidedAt: Date, breakGlass: boolean): { validUntil: Date | null; ttlSeconds: number } {
  const ttl = actionTokenTtlSeconds();
  if (breakGlass) return { validUntil: null, ttlSeconds: ttl };
  const valid = Math.min(APPROVAL_VALID_MAX_SECONDS, policy.approval.valid_seconds ?? APPROVAL_VALID_DEFAULT_SECONDS);
  return { validUntil: new Date(decidedAt.getTime() + valid * 1000), ttlSeconds: Math.min(ttl, valid) };
}

/** When the action stops being executable if it is not redeemed: the window's end, else its one token's expiry. */
export function windowEnd(a: Pick<Action, "approvalValidUntil" | "tokenExpiresAt">): Date | null {
  return a.approvalValidUntil ?? a.tokenExpiresAt;
}

/** Allowed or approved, never redeemed nor reported on: the approval could still be used. */
export function unused(a: Pick<Action, "status" | "redeemedAt" | "resultStatus" | "tokenSealed">): boolean {
  return (a.status === "allowed" || a.status === "approved") && a.redeemedAt === null && a.resultStatus === null && a.tokenSealed !== null;
}

/** Seconds a re-minted token may live now (≥ 1), or 0 when the window leaves no room for one. */
export function remintTtlSeconds(a: Pick<Action, "approvalValidUntil">, now: Date): number {
  if (!a.approvalValidUntil) return 0;
  return Math.min(actionTokenTtlSeconds(), Math.floor((a.approvalValidUntil.getTime() - now.getTime()) / 1000));
}

/** The last token expired unredeemed, and the window still has room for a fresh one. */
export function needsRemint(a: Action, now: Date): boolean {
  return unused(a) && a.tokenExpiresAt !== null && a.tokenExpiresAt <= now && remintTtlSeconds(a, now) >= 1;
}
