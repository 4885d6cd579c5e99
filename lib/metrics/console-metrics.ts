import "server-only";
import { db } from "@/lib/db/client";
import { decisionWaitAt, decisionWaitCounts, waitingSpans } from "@/lib/db/tables/console-figures";
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

/**
 * The dashboard's charts, aggregated in the database (Action and AuditEvent),
 * so every instance shows the same picture — unlike /metrics, whose counters are
 * per process — and every action of the window counts, however many: a few
 * grouped reads (lib/db/tables/console-figures.ts), never the rows themselves.
 */
export async function getConsoleMetrics(viewer: Scoped, now = new Date(), windowHours = 24): Promise<ConsoleMetrics> {
  const since = new Date(now.getTime() - windowHours * 3600_000);
  // Whole milliseconds for whole hours (75,000 a point per hour of window), as the point arithmetic needs.
  const axis = { first: since, stepMs: (windowHours * 3600_000) / POINTS };
  const points = Array.from({ length: POINTS + 1 }, (_, i) => new Date(since.getTime() + i * axis.stepMs));
  const scope = scopeSql(viewer);
  const [spans, counts, denied] = await Promise.all([
    // Everything that was pending at some point in the window.
    waitingSpans(scope, since, now, axis),
    decisionWaitCounts(
      scope,
      since,
      now,
      BUCKETS.slice(0, -1).map((b) => b.maxSeconds),
    ),
    db().auditEvent.groupBy({
      by: ["tool", "reason"],
      where: { AND: [scopeWhere(viewer)], type: "action.decided", status: "denied", at: { gte: since, lte: now } },
      _count: { _all: true },
    }),
  ]);

  // Pending at a point: started at or before it, minus stopped at or before it (a running sum over the points).
  const delta = new Array<number>(POINTS + 1).fill(0);
  for (const r of spans) {
    if (r.ks <= POINTS) delta[r.ks]! += r.n;
    if (r.ke !== null && r.ke <= POINTS) delta[r.ke]! -= r.n;
  }
  for (let i = 1; i <= POINTS; i++) delta[i]! += delta[i - 1]!;
  const pendingOverTime = points.map((t, i) => ({ at: t.toISOString(), pending: delta[i]! }));

  const timeToDecision = BUCKETS.map((b, i) => ({ bucket: b.label, count: counts[i]! }));
  const total = counts.reduce((n, c) => n + c, 0);
  const median = total ? await decisionWaitAt(scope, since, now, Math.floor((total - 1) / 2)) : null;

  return {
    windowHours,
    pendingOverTime,
    timeToDecision,
    timeToDecisionMedianSeconds: median,
    denials: denied
      .map((d) => ({ tool: d.tool ?? "(none)", reason: d.reason ?? "(none)", count: d._count._all }))
      .sort((a, b) => b.count - a.count)
      .slice(0, 30),
    generatedAt: now.toISOString(),
  };
}
