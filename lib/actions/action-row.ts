import type { Action } from "@/lib/db/types";
import { asDate, asNumber, type Row, type Sql } from "@/lib/db/sql";

const DATE_FIELDS = ["expiresAt", "decidedAt", "tokenExpiresAt", "redeemedAt", "resultAt", "escalatedAt", "ttlExtendedAt", "createdAt", "updatedAt"] as const;
const INT_FIELDS = ["policyVersion", "costMicros", "approvalsRequired"] as const;

/** A raw `SELECT *` Action row (provider-shaped values) as the ORM's Action. */
export function actionFromRow(row: Row): Action {
  const a = { ...row } as Record<string, unknown>;
  for (const f of DATE_FIELDS) a[f] = asDate(a[f]);
  for (const f of INT_FIELDS) a[f] = asNumber(a[f]);
  if (a.resultDurationMs !== null && a.resultDurationMs !== undefined) a.resultDurationMs = asNumber(a.resultDurationMs);
  return a as Action;
}

/** One action with its approve-vote count, in one statement. */
export async function loadActionWithApprovals(sql: Sql, where: string, params: (string | null)[]): Promise<{ action: Action; approvals: number } | null> {
  const row = await sql.get<Row & { approvalsReceived: unknown }>(
    `SELECT a.*, (SELECT COUNT(*) FROM "Approval" p WHERE p."actionId" = a."id" AND p."vote" = 'approve') AS "approvalsReceived"
     FROM "Action" a WHERE ${where}`,
    params,
  );
  if (!row) return null;
  const { approvalsReceived, ...rest } = row;
  return { action: actionFromRow(rest), approvals: asNumber(approvalsReceived) };
}
