import "server-only";
import type { Exec, IssuedToken, Row } from "@/lib/db/types";
import { asSql, runDeferrable } from "@/lib/db/sql";
import { rowDecoder, type ColumnKinds } from "@/lib/db/tables/columns";
import { asDate } from "@/lib/db/decode";

/** Every IssuedToken column and its kind; a schema column missing here fails typecheck. */
export const issuedTokenColumns = {
  jti: "string",
  kind: "string",
  tenantId: "string",
  env: "string",
  runId: "string",
  actionId: "string?",
  expiresAt: "date",
  issuedAt: "date",
  redeemedAt: "date?",
} as const satisfies ColumnKinds<IssuedToken>;

/** A raw IssuedToken row (provider-shaped values) as the ORM's IssuedToken. */
export const decodeIssuedToken: (row: Row) => IssuedToken = rowDecoder<IssuedToken>(issuedTokenColumns);

const INSERT = `INSERT INTO "IssuedToken" ("jti", "kind", "tenantId", "env", "runId", "actionId", "expiresAt", "issuedAt") VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;

// Written only when the action is no canary (lib/canaries): the mint's canary check, in the statement that writes the record.
const INSERT_UNLESS_CANARY = `INSERT INTO "IssuedToken" ("jti", "kind", "tenantId", "env", "runId", "actionId", "expiresAt", "issuedAt")
  SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM "CanaryAction" WHERE "actionId" = ?)`;

/**
 * The record of a freshly minted token (not yet redeemed). `canaryRefusal`: an action token's
 * record is written only if its action is no canary; if it is, the transaction fails with that
 * error before COMMIT (the token is never returned). One statement either way — on PostgreSQL it
 * rides with the audit append, since nothing in the minting transaction reads the row back.
 */
export function insertIssuedToken(exec: Exec, t: Omit<IssuedToken, "redeemedAt">, canaryRefusal?: () => Error): Promise<void> {
  const values = [t.jti, t.kind, t.tenantId, t.env, t.runId, t.actionId, t.expiresAt, t.issuedAt];
  if (!canaryRefusal || t.actionId === null) return runDeferrable(exec, INSERT, values);
  return runDeferrable(exec, INSERT_UNLESS_CANARY, [...values, t.actionId], { rows: 1, refusal: canaryRefusal });
}

/**
 * Why a live token is stopped by a control that came after it was minted, or
 * NULL: its action was cancelled, its credential revoked, its run ended (the
 * seconds budget is wall-clock, pending time included), a kill switch covers
 * its tenant or (action tokens) its tool, or its route's breaker is open for
 * the token's tenant and environment (or route-wide, a breaker carried over from before breakers were scoped),
 * or its action is a canary (lib/canaries; no token is ever minted for one, this is the second lock).
 * One definition for the redeem check and the revocation feed.
 */
const STOPPED_REASON = `CASE
    WHEN a."status" = 'cancelled' THEN 'action_cancelled'
    WHEN EXISTS (SELECT 1 FROM "CanaryAction" ca WHERE ca."actionId" = t."actionId") THEN 'canary'
    WHEN c."id" IS NULL OR c."revokedAt" IS NOT NULL THEN 'credential_revoked'
    WHEN r."id" IS NULL OR r."status" <> 'active' OR r."expiresAt" <= ? THEN 'run_ended'
    WHEN EXISTS (SELECT 1 FROM "KillSwitch" k WHERE k."enabled" = ? AND (k."key" = 'tenant:' || t."tenantId"
      OR (a."tool" IS NOT NULL AND (k."key" = 'tool:*:' || a."tool" OR k."key" = 'tool:' || t."tenantId" || ':' || a."tool")))) THEN 'kill_switch'
    WHEN ro."id" IS NULL OR EXISTS (SELECT 1 FROM "RouteBreaker" b WHERE b."routeId" = ro."id" AND b."state" = 'open'
      AND ((b."tenantId" = t."tenantId" AND b."env" = t."env") OR (b."tenantId" = '*' AND b."env" = '*'))) THEN 'circuit_open'
  END`;

const STOPPED_FROM = `FROM "IssuedToken" t
  LEFT JOIN "Run" r ON r."id" = t."runId"
  LEFT JOIN "AgentCredential" c ON c."id" = r."credentialId"
  LEFT JOIN "Action" a ON a."id" = t."actionId"
  LEFT JOIN "Route" ro ON ro."id" = r."routeId"`;

const STOPPED_ONE = `SELECT ${STOPPED_REASON} AS "reason" ${STOPPED_FROM} WHERE t."jti" = ?`;

const STOPPED_LIVE = `SELECT x."jti", x."kind", x."expiresAt", x."reason" FROM (
  SELECT t."jti" AS "jti", t."kind" AS "kind", t."expiresAt" AS "expiresAt", ${STOPPED_REASON} AS "reason" ${STOPPED_FROM}
  WHERE t."expiresAt" > ? AND t."redeemedAt" IS NULL) x
  WHERE x."reason" IS NOT NULL ORDER BY x."expiresAt", x."jti" LIMIT ?`;

/** The control that stops this token now, or null (also null for an unknown jti). */
export async function tokenStoppedReason(exec: Exec, jti: string, now: Date): Promise<string | null> {
  const row = await asSql(exec).get<{ reason: string | null }>(STOPPED_ONE, [now, true, jti]);
  return row?.reason ?? null;
}

export type StoppedToken = { jti: string; kind: string; expiresAt: Date; reason: string };

/** Every live, unredeemed token a control stops now (the revocation feed), soonest-expiring first. */
export async function listStoppedLiveTokens(exec: Exec, now: Date, limit: number): Promise<StoppedToken[]> {
  const rows = await asSql(exec).all<Row>(STOPPED_LIVE, [now, true, now, limit]);
  return rows.map((r) => ({ jti: String(r.jti), kind: String(r.kind), expiresAt: asDate(r.expiresAt)!, reason: String(r.reason) }));
}

const SPEND_ACTION_TOKEN = `UPDATE "IssuedToken" SET "redeemedAt" = ?
  WHERE "jti" = ? AND "kind" = 'action' AND "actionId" = ? AND "redeemedAt" IS NULL AND "expiresAt" > ?`;

/** Spend a live action token in one conditional UPDATE: true for the one caller that spent it. */
export async function spendActionToken(exec: Exec, t: { jti: string; actionId: string; now: Date }): Promise<boolean> {
  return (await asSql(exec).run(SPEND_ACTION_TOKEN, [t.now, t.jti, t.actionId, t.now])) === 1;
}

const REDEEM_STATE = `SELECT "redeemedAt", "expiresAt" FROM "IssuedToken" WHERE "jti" = ?`;

/** A token's redemption state (why it could not be spent), or null for an unknown jti. */
export async function tokenRedeemState(exec: Exec, jti: string): Promise<{ redeemedAt: Date | null; expiresAt: Date } | null> {
  const row = await asSql(exec).get(REDEEM_STATE, [jti]);
  return row ? { redeemedAt: asDate(row.redeemedAt), expiresAt: asDate(row.expiresAt)! } : null;
}
