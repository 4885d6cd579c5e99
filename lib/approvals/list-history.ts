import "server-only";
import { db } from "@/lib/db/client";
import { actionListItem, type ActionListItem } from "@/lib/console/action-list-item";
import { FAST_DECISION_MS, type ActionFilters } from "@/lib/approvals/schemas";
import { actionWhere } from "@/lib/approvals/action-where";
import type { Scoped } from "@/lib/auth/scopes";
import { serverTimesOnCard } from "@/lib/approvals/card-views";
import { decodeCursor, encodeCursor, type Key } from "@/lib/approvals/list-queue";

export type HistoryRow = ActionListItem & {
  status: string;
  decisionReason: string;
  decidedAt: string | null;
  deciders: { email: string; vote: string; timeOnCardMs: number | null; fast: boolean }[];
  /** Some vote was cast in under FAST_DECISION_MS after the card was shown. */
  fast: boolean;
};

/** One page of the history, newest first; `older` is the cursor of the next (older) page, null on the last. */
export type HistoryPage = { items: HistoryRow[]; older: string | null };
export const HISTORY_PAGE = 50;

/** A history page: the newest, or the one after an `older` cursor (a malformed cursor is a 422). */
export async function listHistoryPage(filters: ActionFilters, viewer: Scoped, page: { older?: string; limit?: number } = {}): Promise<HistoryPage> {
  const limit = page.limit ?? HISTORY_PAGE;
  const { rows, keys } = await historyRows(filters, viewer, limit + 1, page.older ? decodeCursor(page.older) : undefined);
  const last = rows.length > limit ? keys[limit - 1]! : null;
  return { items: rows.slice(0, limit), older: last ? encodeCursor(last) : null };
}

/**
 * Decided actions (every final state), newest decision first. `fast=1` keeps
 * only those with a vote under FAST_DECISION_MS, the rubber-stamp signal.
 */
export async function listHistory(filters: ActionFilters, viewer: Scoped, limit = 100): Promise<HistoryRow[]> {
  return (await historyRows(filters, viewer, limit)).rows;
}

async function historyRows(filters: ActionFilters, viewer: Scoped, limit: number, olderThan?: Key): Promise<{ rows: HistoryRow[]; keys: Key[] }> {
  // Every final state sets decidedAt (create-action, finishActionRow, approveActionRow; the migration filled older rows).
  const scopedWhere: Record<string, unknown> = { ...actionWhere(filters, viewer), status: filters.status ?? { not: "pending" }, decidedAt: { not: null } };
  // Marked by the vote itself (lib/actions/vote-on-action.ts), so the filter reaches every decision, however old.
  if (filters.fast) scopedWhere.fastVote = true;
  // Keyset on the decision's time, not updatedAt: a token, a result or a card reduction after the decision does not
  // move the row, so a page never repeats or skips a row however it changed meanwhile (only a new final state moves it).
  const where = olderThan ? { AND: [scopedWhere, { OR: [{ decidedAt: { lt: olderThan.at } }, { decidedAt: olderThan.at, id: { lt: olderThan.id } }] }] } : scopedWhere;
  // scope-guard: `where` is actionWhere(filters, viewer) plus the cursor
  const rows = await db().action.findMany({ where, orderBy: [{ decidedAt: "desc" }, { id: "desc" }], take: limit });
  const votes = rows.length ? await db().approval.findMany({ where: { actionId: { in: rows.map((r) => r.id) } }, orderBy: { createdAt: "asc" } }) : [];
  const userIds = [...new Set(votes.map((v) => v.userId))];
  const users = userIds.length ? await db().user.findMany({ where: { id: { in: userIds } }, select: { id: true, email: true } }) : [];
  const onCard = await serverTimesOnCard(votes);
  const items = rows.map((a) => {
    const deciders = votes
      .filter((v) => v.actionId === a.id)
      .map((v) => {
        const ms = onCard.get(`${v.actionId}:${v.userId}`) ?? null;
        return { email: users.find((u) => u.id === v.userId)?.email ?? v.userId, vote: v.vote, timeOnCardMs: ms, fast: ms !== null && ms < FAST_DECISION_MS };
      });
    return {
      ...actionListItem(a),
      status: a.status,
      decisionReason: a.decisionReason,
      decidedAt: a.decidedAt?.toISOString() ?? null,
      deciders,
      fast: deciders.some((d) => d.fast),
    };
  });
  return { rows: items, keys: rows.map((a) => ({ at: a.decidedAt!, id: a.id })) };
}
