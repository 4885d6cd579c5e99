import "server-only";
import { db } from "@/lib/db/client";
import { scopeWhere, type Scoped } from "@/lib/auth/scopes";
import { actionListItem, type ActionListItem } from "@/lib/console/action-list-item";

export type ActionRow = ActionListItem & {
  status: string;
};

/** Recent actions in the viewer's scopes, optionally only one status, newest first. */
export async function listActions(viewer: Scoped, opts: { status?: string; limit?: number } = {}): Promise<ActionRow[]> {
  const rows = await db().action.findMany({
    where: { ...scopeWhere(viewer), ...(opts.status ? { status: opts.status } : {}) },
    orderBy: { createdAt: "desc" },
    take: opts.limit ?? 50,
  });
  return rows.map((a) => ({
    ...actionListItem(a),
    status: a.status,
  }));
}
