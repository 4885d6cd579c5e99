import "server-only";
import { sqlRead } from "@/lib/db/sql";
import { epochMs, msBetween } from "@/lib/db/sql-dates";
import type { SqlParam } from "@/lib/db/types";

/**
 * The dashboard's aggregate reads (lib/metrics/console-metrics.ts, lib/reviewers/reviewer-figures.ts): grouped in the
 * database over every row of the window, never the rows themselves. Read-only, on the read connection or pool.
 * `scope` is scopeSql's condition on the Action table (`"tenantId"`, `"env"`; aliased `a.` in the vote reads).
 */
export type SqlScope = { text: string; params: readonly string[] };

/** A chart's time axis: instants from `first`, `stepMs` apart (a whole number of milliseconds). */
export type Points = { first: Date; stepMs: number };

/** The index of the first point at or after `x` (0 at or before the first; above `points` after the last). */
const pointOf = (x: string) => `CASE WHEN ${epochMs(x)} <= ? THEN 0 ELSE FLOOR((${epochMs(x)} - ? - 1) / ?) + 1 END`;
const pointParams = (p: Points): SqlParam[] => [p.first.getTime(), p.first.getTime(), p.stepMs];
/** When an action stopped waiting: its decision; an expired or cancelled one without a decision, its expiry; never, while pending. */
const ENDED = `CASE WHEN "decidedAt" IS NOT NULL THEN "decidedAt" WHEN "status" = 'pending' THEN NULL ELSE "expiresAt" END`;

/**
 * Actions that waited for a human at some instant of [since, now], counted by the point they started waiting by
 * (`ks`) and the point they stopped by (`ke`, null while waiting). An end before the start (a clock step) counts at
 * the start: such a row never waited.
 */
export async function waitingSpans(scope: SqlScope, since: Date, now: Date, axis: Points): Promise<{ ks: number; ke: number | null; n: number }[]> {
  const rows = await sqlRead((sql) =>
    sql.all<{ ks: unknown; ke: unknown; n: unknown }>(
      `SELECT ${pointOf("c")} AS ks, CASE WHEN e IS NULL THEN NULL ELSE ${pointOf("CASE WHEN e < c THEN c ELSE e END")} END AS ke, COUNT(*) AS n
       FROM (SELECT ${ENDED} AS e, "createdAt" AS c FROM "Action"
             WHERE ${scope.text} AND "approvalsRequired" > 0 AND "createdAt" <= ? AND ("decidedAt" IS NULL OR "decidedAt" >= ?)) spans
       GROUP BY ks, ke`,
      [...pointParams(axis), ...pointParams(axis), ...scope.params, now, since],
    ),
  );
  return rows.map((r) => ({ ks: Number(r.ks), ke: r.ke === null ? null : Number(r.ke), n: Number(r.n) }));
}

/** Human decisions (approved, rejected) taken in [since, now], and their proposal → decision wait in seconds. */
const decided = (scope: SqlScope, since: Date, now: Date) => ({
  text: `SELECT (${msBetween('"decidedAt"', '"createdAt"')} / 1000.0) AS w, "id" FROM "Action"
    WHERE ${scope.text} AND "status" IN ('approved', 'rejected') AND "decidedAt" >= ? AND "decidedAt" <= ?`,
  params: [...scope.params, since, now] as SqlParam[],
});

/** How many of those decisions waited under each bound (seconds, ascending); the last count is for the rest. */
export async function decisionWaitCounts(scope: SqlScope, since: Date, now: Date, bounds: readonly number[]): Promise<number[]> {
  const d = decided(scope, since, now);
  const bucket = `CASE ${bounds.map((b, i) => `WHEN w < ${Number(b)} THEN ${i}`).join(" ")} ELSE ${bounds.length} END`;
  const rows = await sqlRead((sql) => sql.all<{ b: unknown; n: unknown }>(`SELECT ${bucket} AS b, COUNT(*) AS n FROM (${d.text}) waits GROUP BY b`, d.params));
  return Array.from({ length: bounds.length + 1 }, (_, i) => Number(rows.find((r) => Number(r.b) === i)?.n ?? 0));
}

/** The wait (seconds, to the millisecond) of the decision at `offset` in ascending order of wait; null past the end. */
export async function decisionWaitAt(scope: SqlScope, since: Date, now: Date, offset: number): Promise<number | null> {
  const d = decided(scope, since, now);
  const row = await sqlRead((sql) => sql.get<{ w: unknown }>(`SELECT w FROM (${d.text}) waits ORDER BY w, "id" LIMIT 1 OFFSET ?`, [...d.params, offset]));
  return row ? Number(row.w) : null;
}

/**
 * The votes of [since, now] on actions in scope (canaries left out), one row each: voter, vote, the action's status
 * now, and the server-measured time on card in ms (the vote minus the card's first serve to that voter; null when
 * none was served before the vote), as lib/approvals/card-views.ts measures it.
 */
const votes = (scope: SqlScope, since: Date, now: Date) => ({
  text: `SELECT v."userId" AS u, v."vote" AS vote, a."status" AS status,
      CASE WHEN c."firstServedAt" IS NULL OR c."firstServedAt" > v."createdAt" THEN NULL ELSE ${msBetween('v."createdAt"', 'c."firstServedAt"')} END AS t
    FROM "Approval" v JOIN "Action" a ON a."id" = v."actionId"
    LEFT JOIN "CardView" c ON c."actionId" = v."actionId" AND c."userId" = v."userId"
    WHERE v."createdAt" >= ? AND v."createdAt" <= ? AND ${scope.text} AND NOT EXISTS (SELECT 1 FROM "CanaryAction" k WHERE k."actionId" = v."actionId")`,
  params: [since, now, ...scope.params] as SqlParam[],
});

export type VoterCounts = { userId: string; decisions: number; approvals: number; fastApprovals: number; reversals: number };

/** Per voter: votes, approvals, approvals with a time on card under `fastMs`, approvals of actions now rejected. */
export async function voterCounts(scope: SqlScope, since: Date, now: Date, fastMs: number): Promise<VoterCounts[]> {
  const v = votes(scope, since, now);
  const rows = await sqlRead((sql) =>
    sql.all<{ u: string; decisions: unknown; approvals: unknown; fast: unknown; reversals: unknown }>(
      `SELECT u, COUNT(*) AS decisions, SUM(CASE WHEN vote = 'approve' THEN 1 ELSE 0 END) AS approvals,
         SUM(CASE WHEN vote = 'approve' AND t < ${Number(fastMs)} THEN 1 ELSE 0 END) AS fast,
         SUM(CASE WHEN vote = 'approve' AND status = 'rejected' THEN 1 ELSE 0 END) AS reversals
       FROM (${v.text}) w GROUP BY u`,
      v.params,
    ),
  );
  return rows.map((r) => ({ userId: r.u, decisions: Number(r.decisions), approvals: Number(r.approvals), fastApprovals: Number(r.fast), reversals: Number(r.reversals) }));
}

/** Per voter, the middle time on card (an odd count) or the two around the middle (an even one), by window functions. */
export async function voterMiddleTimes(scope: SqlScope, since: Date, now: Date): Promise<{ userId: string; ms: number }[]> {
  const v = votes(scope, since, now);
  const rows = await sqlRead((sql) =>
    sql.all<{ u: string; t: unknown }>(
      `SELECT u, t FROM (SELECT u, t, ROW_NUMBER() OVER (PARTITION BY u ORDER BY t) AS rn, COUNT(*) OVER (PARTITION BY u) AS n
         FROM (${v.text}) w WHERE t IS NOT NULL) ranked
       WHERE rn = (n + 1) / 2 OR rn = n / 2 + 1`,
      v.params,
    ),
  );
  return rows.map((r) => ({ userId: r.u, ms: Number(r.t) }));
}
