import "server-only";
import { db } from "@/lib/db/client";
import { scopeWhere, tenantWhere, type Scoped } from "@/lib/auth/scopes";

export type ConsoleSummary = {
  pendingActions: number;
  /**
   * Decisions in the last 24 h by outcome: proposals that became actions, counted by their
   * current status, plus refusals (`denied`, `invalid`), which leave no action, only their
   * `action.decided` audit event.
   */
  last24hByStatus: Record<string, number>;
  activeCredentials: number;
  tenants: number;
  generatedAt: string;
};

const REFUSALS = ["denied", "invalid"];

/** The dashboard's counts in the viewer's scopes; cheap queries over indexed columns. */
export async function getSummary(viewer: Scoped, now = new Date()): Promise<ConsoleSummary> {
  const since = new Date(now.getTime() - 24 * 60 * 60 * 1000);
  const [pendingActions, recent, refused, activeCredentials, tenants] = await Promise.all([
    db().action.count({ where: { AND: [scopeWhere(viewer)], status: "pending" } }),
    db().action.groupBy({ by: ["status"], where: { AND: [scopeWhere(viewer)], createdAt: { gte: since } }, _count: { _all: true } }),
    refusalsSince(since, viewer),
    db().agentCredential.count({ where: { AND: [scopeWhere(viewer)], revokedAt: null } }),
    db().tenant.count({ where: tenantWhere(viewer, "id") }),
  ]);
  const last24hByStatus: Record<string, number> = {};
  for (const row of recent) last24hByStatus[row.status] = row._count._all;
  for (const row of refused) if (row.status) last24hByStatus[row.status] = (last24hByStatus[row.status] ?? 0) + row._count._all;
  return { pendingActions, last24hByStatus, activeCredentials, tenants, generatedAt: now.toISOString() };
}

/**
 * Refused proposals since `since`. The dashboard polls this every two seconds, so it reads
 * the window's first sequence number from the `at` index and then walks only refusals from
 * there on the `(status, seq)` index, instead of every event of the day or every refusal ever.
 * Sequence order follows time order except across instances' clock skew (milliseconds), so at
 * most an event or two at the window's edge can be off by that much.
 */
async function refusalsSince(since: Date, viewer: Scoped) {
  // scope-guard: a sequence-number bound only; the groupBy below applies scopeWhere
  const first = await db().auditEvent.findFirst({ where: { at: { gte: since } }, orderBy: { at: "asc" }, select: { seq: true } });
  if (!first) return [];
  return db().auditEvent.groupBy({
    by: ["status"],
    where: { AND: [scopeWhere(viewer)], type: "action.decided", status: { in: REFUSALS }, seq: { gte: first.seq }, at: { gte: since } },
    _count: { _all: true },
  });
}
