import "server-only";
import { db } from "@/lib/db/client";

export type ActionRow = {
  id: string;
  tool: string;
  toolKind: string;
  summary: string;
  tenantId: string;
  env: string;
  route: string;
  status: string;
  createdAt: string;
};

/** Recent actions, optionally only one status, newest first. */
export async function listActions(opts: { status?: string; limit?: number } = {}): Promise<ActionRow[]> {
  const rows = await db().action.findMany({
    where: opts.status ? { status: opts.status } : {},
    orderBy: { createdAt: "desc" },
    take: opts.limit ?? 50,
  });
  return rows.map((a) => ({
    id: a.id,
    tool: a.tool,
    toolKind: a.toolKind,
    summary: a.summary,
    tenantId: a.tenantId,
    env: a.env,
    route: a.routeName,
    status: a.status,
    createdAt: a.createdAt.toISOString(),
  }));
}
