import "server-only";
import { db } from "@/lib/db/client";
import { actionListItem, type ActionListItem } from "@/lib/console/action-list-item";

export type ActionRow = ActionListItem & {
  status: string;
};

/** Recent actions, optionally only one status, newest first. */
export async function listActions(opts: { status?: string; limit?: number } = {}): Promise<ActionRow[]> {
  const rows = await db().action.findMany({
    where: opts.status ? { status: opts.status } : {},
    orderBy: { createdAt: "desc" },
    take: opts.limit ?? 50,
  });
  return rows.map((a) => ({
    ...actionListItem(a),
    status: a.status,
  }));
}
