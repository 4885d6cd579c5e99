import "server-only";
import { db } from "@/lib/db/client";
import { scopeWhere, type Scoped } from "@/lib/auth/scopes";

export type ConsoleMetrics = {
  windowHours: number;
  /** Actions waiting for a human at the end of each bucket. */
  pendingOverTime: { at: string; pending: number }[];
  /** Proposal → human decision (approved/rejected), decided inside the window. */
  timeToDecision: { bucket: string; count: number }[];
  timeToDecisionMedianSeconds: number | null;
  /** Denied proposals in the window, by tool and reason (audit log). */
  denials: { tool: string; reason: string; count: number }[];
  /** Set when the window had more actions than the charts read (ROW_CAP each): they show the first ones only. */
  capped: { rows: number } | null;
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
const ROW_CAP = 50_000;

/**
 * The dashboard's charts, aggregated from the database (Action and
 * AuditEvent), so every instance shows the same picture — unlike /metrics,
 * whose counters are per process.
 */
export async function getConsoleMetrics(viewer: Scoped, now = new Date(), windowHours = 24, rowCap = ROW_CAP): Promise<ConsoleMetrics> {
  const since = new Date(now.getTime() - windowHours * 3600_000);
  const [waited, decided, denied] = await Promise.all([
    // Everything that was pending at some point in the window.
    db().action.findMany({
      where: { AND: [scopeWhere(viewer), { approvalsRequired: { gt: 0 }, createdAt: { lte: now }, OR: [{ decidedAt: null }, { decidedAt: { gte: since } }] }] },
      select: { createdAt: true, decidedAt: true, expiresAt: true, status: true },
      take: rowCap + 1,
    }),
    db().action.findMany({
      where: { ...scopeWhere(viewer), status: { in: ["approved", "rejected"] }, decidedAt: { gte: since, lte: now } },
      select: { createdAt: true, decidedAt: true },
      take: rowCap + 1,
    }),
    db().auditEvent.groupBy({
      by: ["tool", "reason"],
      where: { ...scopeWhere(viewer), type: "action.decided", status: "denied", at: { gte: since, lte: now } },
      _count: { _all: true },
    }),
  ]);

  const capped = waited.length > rowCap || decided.length > rowCap ? { rows: rowCap } : null;
  waited.length = Math.min(waited.length, rowCap);
  decided.length = Math.min(decided.length, rowCap);
  const step = (windowHours * 3600_000) / POINTS;
  const pendingOverTime = Array.from({ length: POINTS + 1 }, (_, i) => {
    const t = since.getTime() + i * step;
    const pending = waited.filter(
      (a) => a.createdAt.getTime() <= t && (a.decidedAt === null ? a.status === "pending" || (a.expiresAt?.getTime() ?? Infinity) > t : a.decidedAt.getTime() > t),
    ).length;
    return { at: new Date(t).toISOString(), pending };
  });

  const waits = decided.map((a) => (a.decidedAt!.getTime() - a.createdAt.getTime()) / 1000).sort((a, b) => a - b);
  const timeToDecision = BUCKETS.map((b, i) => ({
    bucket: b.label,
    count: waits.filter((s) => s < b.maxSeconds && (i === 0 || s >= BUCKETS[i - 1]!.maxSeconds)).length,
  }));

  return {
    windowHours,
    pendingOverTime,
    timeToDecision,
    timeToDecisionMedianSeconds: waits.length ? waits[Math.floor((waits.length - 1) / 2)]! : null,
    denials: denied
      .map((d) => ({ tool: d.tool ?? "(none)", reason: d.reason ?? "(none)", count: d._count._all }))
      .sort((a, b) => b.count - a.count)
      .slice(0, 30),
    capped,
    generatedAt: now.toISOString(),
  };
}
