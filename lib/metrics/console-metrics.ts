import "server-only";
import { db, provider } from "@/lib/db/client";
import { sqlRead } from "@/lib/db/sql";
import type { SqlParam } from "@/lib/db/types";
import { scopeSql, scopeWhere, type Scoped } from "@/lib/auth/scopes";

export type ConsoleMetrics = {
  windowHours: number;
  /** Actions waiting for a human at the end of each bucket. */
  pendingOverTime: { at: string; pending: number }[];
  /** Proposal → human decision (approved/rejected), decided inside the window. */
  timeToDecision: { bucket: string; count: number }[];
  timeToDecisionMedianSeconds: number | null;
  /** Denied proposals in the window, by tool and reason (audit log). */
  denials: { tool: string; reason: string; count: number }[];
  generatedAt: string;
};

const BUCKETS: { label: string; maxSeconds: number }[] = [
  { label: "< 30 s", maxSeconds: 30 },
  { label: "< 1 min", maxSeconds: 60 },
  { label: "< 5 min", maxSeconds: 300 },
  { label: "< 15 min", maxSeconds: 900 },
  { label: "< 1 h", maxSeconds: 3600 },
  { label: "≥ 1 h", maxSeconds: Infinity },
];
const POINTS = 48;

/** Milliseconds since the epoch of a date column or expression, in the provider's own arithmetic (SQLite keeps ISO-8601 text). */
const epochMs = (x: string) => (provider() === "postgres" ? `(EXTRACT(EPOCH FROM ${x}) * 1000)` : `ROUND((julianday(${x}) - 2440587.5) * 86400000.0)`);
/**
 * The index of the first point at or after `x` (0 at or before the first; above POINTS after the last), from two
 * parameters: the first point and the step, in milliseconds. `x` exactly on a point gets that point.
 */
const pointOf = (x: string) => `CASE WHEN ${epochMs(x)} <= ? THEN 0 ELSE FLOOR((${epochMs(x)} - ? - 1) / ?) + 1 END`;
/** The seconds from createdAt to decidedAt, in the provider's own date arithmetic (SQLite keeps ISO-8601 text). */
const waitSeconds = () =>
  provider() === "postgres"
    ? `EXTRACT(EPOCH FROM ("decidedAt" - "createdAt"))`
    : // julianday is a double: rounded to the millisecond, 30 s is 30 and not 29.999999.
      `(ROUND((julianday("decidedAt") - julianday("createdAt")) * 86400000.0) / 1000.0)`;
/** When an action stopped waiting: its decision; an expired or cancelled one without a decision, its expiry; never, while pending. */
const ENDED = `CASE WHEN "decidedAt" IS NOT NULL THEN "decidedAt" WHEN "status" = 'pending' THEN NULL ELSE "expiresAt" END`;

/**
 * The dashboard's charts, aggregated in the database (Action and AuditEvent),
 * so every instance shows the same picture — unlike /metrics, whose counters are
 * per process — and every action of the window counts, however many: a few
 * grouped reads, never the rows themselves.
 */
export async function getConsoleMetrics(viewer: Scoped, now = new Date(), windowHours = 24): Promise<ConsoleMetrics> {
  const since = new Date(now.getTime() - windowHours * 3600_000);
  // Whole milliseconds for whole hours (75,000 a point per hour of window), as pointOf's arithmetic needs.
  const step = (windowHours * 3600_000) / POINTS;
  const points = Array.from({ length: POINTS + 1 }, (_, i) => new Date(since.getTime() + i * step));
  const scope = scopeSql(viewer);
  const pointParams: SqlParam[] = [since.getTime(), since.getTime(), step];
  // Everything that was pending at some point in the window.
  const waited = `FROM "Action" WHERE ${scope.text} AND "approvalsRequired" > 0 AND "createdAt" <= ? AND ("decidedAt" IS NULL OR "decidedAt" >= ?)`;
  const waitedParams: SqlParam[] = [...scope.params, now, since];
  const decided = `FROM "Action" WHERE ${scope.text} AND "status" IN ('approved', 'rejected') AND "decidedAt" >= ? AND "decidedAt" <= ?`;
  const decidedParams: SqlParam[] = [...scope.params, since, now];
  const bucketOf = `CASE ${BUCKETS.slice(0, -1)
    .map((b, i) => `WHEN w < ${b.maxSeconds} THEN ${i}`)
    .join(" ")} ELSE ${BUCKETS.length - 1} END`;
  const [spans, buckets, denied] = await Promise.all([
    // One pass: the point each action started waiting by and the point it stopped by (NULL: still waiting). An end
    // before the start (a clock step) counts at the start: such a row was never waiting.
    sqlRead((sql) =>
      sql.all<{ ks: unknown; ke: unknown; n: unknown }>(
        `SELECT ${pointOf("c")} AS ks, CASE WHEN e IS NULL THEN NULL ELSE ${pointOf("CASE WHEN e < c THEN c ELSE e END")} END AS ke, COUNT(*) AS n
         FROM (SELECT ${ENDED} AS e, "createdAt" AS c ${waited}) spans GROUP BY ks, ke`,
        [...pointParams, ...pointParams, ...waitedParams],
      ),
    ),
    sqlRead((sql) => sql.all<{ b: unknown; n: unknown }>(`SELECT ${bucketOf} AS b, COUNT(*) AS n FROM (SELECT ${waitSeconds()} AS w ${decided}) waits GROUP BY b`, decidedParams)),
    db().auditEvent.groupBy({
      by: ["tool", "reason"],
      where: { ...scopeWhere(viewer), type: "action.decided", status: "denied", at: { gte: since, lte: now } },
      _count: { _all: true },
    }),
  ]);

  // Pending at a point: started at or before it, minus stopped at or before it (a running sum over the points).
  const delta = new Array<number>(POINTS + 1).fill(0);
  for (const r of spans) {
    const n = Number(r.n);
    if (Number(r.ks) <= POINTS) delta[Number(r.ks)]! += n;
    if (r.ke !== null && Number(r.ke) <= POINTS) delta[Number(r.ke)]! -= n;
  }
  for (let i = 1; i <= POINTS; i++) delta[i]! += delta[i - 1]!;
  const pendingOverTime = points.map((t, i) => ({ at: t.toISOString(), pending: delta[i]! }));

  const timeToDecision = BUCKETS.map((b, i) => ({ bucket: b.label, count: Number(buckets.find((r) => Number(r.b) === i)?.n ?? 0) }));
  const total = timeToDecision.reduce((n, b) => n + b.count, 0);
  const median = total
    ? await sqlRead((sql) => sql.get<{ w: unknown }>(`SELECT ${waitSeconds()} AS w ${decided} ORDER BY w, "id" LIMIT 1 OFFSET ?`, [...decidedParams, Math.floor((total - 1) / 2)]))
    : undefined;

  return {
    windowHours,
    pendingOverTime,
    timeToDecision,
    timeToDecisionMedianSeconds: median ? Number(median.w) : null,
    denials: denied
      .map((d) => ({ tool: d.tool ?? "(none)", reason: d.reason ?? "(none)", count: d._count._all }))
      .sort((a, b) => b.count - a.count)
      .slice(0, 30),
    generatedAt: now.toISOString(),
  };
}
