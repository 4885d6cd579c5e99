import { db } from "@/lib/db/client";

export type ConsoleSummary = {
  pendingActions: number;
  /** Actions proposed in the last 24 h, counted by their current status. */
  last24hByStatus: Record<string, number>;
  activeCredentials: number;
  tenants: number;
  generatedAt: string;
};

/** The dashboard's counts; cheap queries over indexed columns. */
export async function getSummary(now = new Date()): Promise<ConsoleSummary> {
  const since = new Date(now.getTime() - 24 * 60 * 60 * 1000);
  const [pendingActions, recent, activeCredentials, tenants] = await Promise.all([
    db().action.count({ where: { status: "pending" } }),
    db().action.groupBy({ by: ["status"], where: { createdAt: { gte: since } }, _count: { _all: true } }),
    db().agentCredential.count({ where: { revokedAt: null } }),
    db().tenant.count(),
  ]);
  const last24hByStatus: Record<string, number> = {};
  for (const row of recent) last24hByStatus[row.status] = row._count._all;
  return { pendingActions, last24hByStatus, activeCredentials, tenants, generatedAt: now.toISOString() };
}
