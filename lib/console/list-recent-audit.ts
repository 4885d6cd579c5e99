import { db } from "@/lib/db/client";

export type AuditRow = {
  seq: number;
  at: string;
  actor: string;
  type: string;
  tenantId: string | null;
  env: string | null;
  route: string | null;
  tool: string | null;
  status: string | null;
  requestId: string | null;
};

/** The latest audit events, newest first (the seq index makes this a short scan). */
export async function listRecentAudit(limit = 50): Promise<AuditRow[]> {
  const rows = await db().auditEvent.findMany({ orderBy: { seq: "desc" }, take: limit });
  return rows.map((r) => ({
    seq: r.seq,
    at: r.at.toISOString(),
    actor: r.actorId ? `${r.actorType}:${r.actorId}` : r.actorType,
    type: r.type,
    tenantId: r.tenantId,
    env: r.env,
    route: r.route,
    tool: r.tool,
    status: r.status,
    requestId: r.requestId,
  }));
}
