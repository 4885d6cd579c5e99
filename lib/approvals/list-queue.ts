import "server-only";
import { routedElsewhere } from "@/lib/reviewer-groups/needs-me";
import { pendingAmong } from "@/lib/approvals/pending-among";
import { db } from "@/lib/db/client";
import { containsText } from "@/lib/db/text-search";
import { AppError } from "@/lib/errors";
import { actionListItem, type ActionListItem } from "@/lib/console/action-list-item";
import { AGE_MS, type ActionFilters, type QueuePage } from "@/lib/approvals/schemas";
import { actionWhere } from "@/lib/approvals/action-where";
import { voteCountsFor } from "@/lib/actions/counting-votes";
import { othersCanaryIds } from "@/lib/canaries/canaries";
import { stateNotices, type StateNotice } from "@/lib/approvals/action-state";
import { renderSummarySegments, type SummarySegment } from "@/lib/catalog/render-summary";
import { isUnrestricted, scopeWhere, type Scoped } from "@/lib/auth/scopes";

export type QueueItem = ActionListItem & {
  /** The summary as the template's words and the agent's values (fenced on screen). */
  headline: SummarySegment[];
  expiresAt: string | null;
  approvalsReceived: number;
  approvalsRequired: number;
  escalated: boolean;
  /** The viewer already voted: their second vote would be refused. */
  votedByMe: boolean;
  /** The action is on the viewer's behalf: they may not approve it. */
  onBehalfOfMe: boolean;
  /** Kill switch, open breaker, policy change: shown in the list, and `blocks` disables Approve on the card. */
  state: StateNotice[];
};

export type QueueViewer = { id: string; email: string } & Scoped;

export type QueuePageResult = {
  items: QueueItem[];
  /** Every pending action matching the filters, not just this page. */
  total: number;
  /** Position of the first item of this page in the whole filtered queue (0-based). */
  offset: number;
  next: string | null;
  prev: string | null;
};

export type Key = { at: Date; id: string };

/** A page boundary as an opaque cursor: the (createdAt, id) of an item, base64url. */
export function encodeCursor(k: Key): string {
  return Buffer.from(`${k.at.getTime()}.${k.id}`).toString("base64url");
}

/** The key a cursor names; a malformed one is a 422. */
export function decodeCursor(cursor: string): Key {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const m = /^(\d{1,15})\.([A-Za-z0-9_-]{1,100})$/.exec(text);
  if (!m) throw new AppError("validation_failed", "Invalid page cursor.", { issues: [{ path: "cursor", message: "malformed" }] });
  return { at: new Date(Number(m[1])), id: m[2]! };
}

const afterKey = (k: Key) => ({ OR: [{ createdAt: { gt: k.at } }, { createdAt: k.at, id: { gt: k.id } }] });
const beforeKey = (k: Key) => ({ OR: [{ createdAt: { lt: k.at } }, { createdAt: k.at, id: { lt: k.id } }] });

/** The `where` for pending, unexpired actions matching the filters (and, with `mine`, still needing this viewer). */
async function queueWhere(filters: ActionFilters, viewer: QueueViewer, now: Date): Promise<Record<string, unknown>[]> {
  const and: Record<string, unknown>[] = [{ ...actionWhere(filters, viewer), status: "pending" }, { OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] }];
  if (filters.age) and.push({ createdAt: { lte: new Date(now.getTime() - AGE_MS[filters.age]) } });
  if (filters.q) {
    const q = filters.q;
    and.push({ OR: [{ summary: containsText(q) }, { tool: containsText(q) }, { routeName: containsText(q) }, { reason: containsText(q) }, { id: q }] });
  }
  // Another reviewer's canary (lib/canaries) is not this viewer's to decide.
  const others = await othersCanaryIds(viewer.id);
  if (others.length) and.push({ id: { notIn: others } });
  if (filters.mine) {
    // Voted on (either way), or on the viewer's behalf: not theirs to decide any more.
    const mine = await db().approval.findMany({ where: { userId: viewer.id }, select: { actionId: true } });
    // Only the pending ones matter (the queue lists nothing else): a reviewer's lifetime of votes is not one IN list.
    const voted = await pendingAmong(mine.map((v) => v.actionId));
    if (voted.length) and.push({ id: { notIn: voted } });
    and.push({ OR: [{ onBehalfOf: null }, { NOT: { onBehalfOf: viewer.email } }] });
    // Routed to a reviewer group the viewer is not in (and nobody asked them since): not theirs either.
    const elsewhere = await routedElsewhere(viewer.id);
    if (elsewhere) and.push(elsewhere);
  }
  return and;
}

/**
 * One page of pending, unexpired actions, oldest first (the one closest to
 * expiring is decided first), by keyset on (createdAt, id): any page of any
 * size of queue in one indexed read, with the true total beside it. Only the
 * viewer's tenants and environments (actionWhere → scopeWhere).
 */
export async function listQueue(filters: ActionFilters, viewer: QueueViewer, page: QueuePage = { limit: 50 }): Promise<QueuePageResult> {
  const now = new Date();
  const scopedBase = await queueWhere(filters, viewer, now);
  const base = scopedBase;
  const backwards = page.last || !!page.before;
  const cursor = page.after ? afterKey(decodeCursor(page.after)) : page.before ? beforeKey(decodeCursor(page.before)) : null;
  const where = { AND: cursor ? [...base, cursor] : base };
  const dir = backwards ? "desc" : "asc";
  const [fetched, total] = await Promise.all([
    // scope-guard: `where` is scopedBase (actionWhere) plus the cursor
    db().action.findMany({ where, orderBy: [{ createdAt: dir }, { id: dir }], take: page.limit + 1 }),
    db().action.count({ where: { AND: scopedBase } }),
  ]);
  const more = fetched.length > page.limit;
  const rows = fetched.slice(0, page.limit);
  if (backwards) rows.reverse();
  const first = rows[0];
  const offset = first ? await db().action.count({ where: { AND: [...scopedBase, beforeKey({ at: first.createdAt, id: first.id })] } }) : 0;
  const lastRow = rows.at(-1);
  const hasNext = backwards ? !!lastRow && offset + rows.length < total : more;
  const hasPrev = backwards ? more : offset > 0;

  const ids = rows.map((r) => r.id);
  const [votes, tools, notices] = await Promise.all([
    ids.length ? db().approval.findMany({ where: { actionId: { in: ids } }, select: { actionId: true, userId: true, vote: true, channel: true } }) : [],
    ids.length ? db().tool.findMany({ where: { name: { in: [...new Set(rows.map((r) => r.tool))] } }, select: { name: true, summaryTemplate: true } }) : [],
    stateNotices(rows),
  ]);
  const me = viewer.email.toLowerCase();
  const items = rows.map((a) => {
    const mine = votes.filter((v) => v.actionId === a.id);
    return {
      ...actionListItem(a),
      headline: headlineOf(a, tools.find((t) => t.name === a.tool)?.summaryTemplate),
      expiresAt: a.expiresAt?.toISOString() ?? null,
      approvalsReceived: mine.filter((v) => v.vote === "approve" && voteCountsFor(a, v.channel)).length,
      approvalsRequired: a.approvalsRequired,
      escalated: a.escalatedAt !== null,
      votedByMe: mine.some((v) => v.userId === viewer.id),
      onBehalfOfMe: !!a.onBehalfOf && a.onBehalfOf.trim().toLowerCase() === me,
      state: notices.get(a.id) ?? [],
    };
  });
  return {
    items,
    total,
    offset,
    next: hasNext && lastRow ? encodeCursor({ at: lastRow.createdAt, id: lastRow.id }) : null,
    prev: hasPrev && first ? encodeCursor({ at: first.createdAt, id: first.id }) : null,
  };
}

/**
 * The headline from the catalog template and the stored (redacted) args; when
 * the tool left the catalog, the stored summary, all of it marked as the agent's.
 */
export function headlineOf(a: { argsDisplay: string; summary: string }, template: string | undefined): SummarySegment[] {
  if (template !== undefined) {
    try {
      return renderSummarySegments(template, JSON.parse(a.argsDisplay));
    } catch {
      // fall through: unreadable args
    }
  }
  return [{ text: a.summary, agent: true }];
}

/** How many actions wait for a decision (the nav badge). */
export async function countPending(viewer: Scoped & { id: string }): Promise<number> {
  const others = await othersCanaryIds(viewer.id);
  return db().action.count({
    where: {
      AND: [scopeWhere(viewer), { status: "pending", OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }] }, ...(others.length ? [{ id: { notIn: others } }] : [])],
    },
  });
}

/**
 * A cheap "has anything changed" number for the open queue and card. Every
 * state change a reviewer must see (proposal, vote, decision, expiry, kill
 * switch, breaker, policy) appends an audit event, so the console polls this
 * and fetches the page only when it moves. For an unrestricted viewer it is
 * the sum of every audit chain's head (chain 0 plus PostgreSQL's per-instance
 * chains), which grows with each committed append — unlike the largest `seq`,
 * which a commit that took a smaller global number after a larger one had
 * committed would not move. For a scope-restricted viewer it is the number of
 * audit events in their scopes (append-only, so it also moves with every
 * committed append there): another tenant's activity never moves it.
 */
export async function consoleVersion(viewer: Scoped): Promise<number> {
  if (!isUnrestricted(viewer)) return db().auditEvent.count({ where: scopeWhere(viewer) });
  const [head, chains] = await Promise.all([db().auditHead.findMany({ select: { seq: true } }), db().auditChain.aggregate({ _sum: { seq: true } })]);
  const sum = head.reduce((n, h) => n + h.seq, 0n) + (chains._sum.seq ?? 0n);
  return Number(sum);
}
