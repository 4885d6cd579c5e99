import "server-only";
import { db } from "@/lib/db/client";
import { actionListItem, type ActionListItem } from "@/lib/console/action-list-item";
import type { ActionFilters } from "@/lib/approvals/schemas";
import { actionWhere } from "@/lib/approvals/action-where";

export type QueueItem = ActionListItem & {
  expiresAt: string | null;
  approvalsReceived: number;
  approvalsRequired: number;
  escalated: boolean;
  /** The viewer already voted: their second vote would be refused. */
  votedByMe: boolean;
  /** The action is on the viewer's behalf: they may not approve it. */
  onBehalfOfMe: boolean;
};

export type QueueViewer = { id: string; email: string };

/**
 * Pending, unexpired actions, oldest first (the one closest to expiring is
 * decided first). Every console user sees every tenant: users carry no tenant
 * binding in this product, so "scope" is the tenant/env filter.
 */
export async function listQueue(filters: ActionFilters, viewer: QueueViewer, limit = 200): Promise<QueueItem[]> {
  const now = new Date();
  const rows = await db().action.findMany({
    where: { ...actionWhere(filters), status: "pending", OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: limit,
  });
  const votes = rows.length ? await db().approval.findMany({ where: { actionId: { in: rows.map((r) => r.id) } }, select: { actionId: true, userId: true, vote: true } }) : [];
  const me = viewer.email.toLowerCase();
  return rows.map((a) => {
    const mine = votes.filter((v) => v.actionId === a.id);
    return {
      ...actionListItem(a),
      expiresAt: a.expiresAt?.toISOString() ?? null,
      approvalsReceived: mine.filter((v) => v.vote === "approve").length,
      approvalsRequired: a.approvalsRequired,
      escalated: a.escalatedAt !== null,
      votedByMe: mine.some((v) => v.userId === viewer.id),
      onBehalfOfMe: !!a.onBehalfOf && a.onBehalfOf.trim().toLowerCase() === me,
    };
  });
}

/** How many actions wait for a decision (the nav badge). */
export async function countPending(): Promise<number> {
  return db().action.count({ where: { status: "pending", OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }] } });
}
