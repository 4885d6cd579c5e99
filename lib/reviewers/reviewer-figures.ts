import "server-only";
import { db } from "@/lib/db/client";
import { scopeWhere, type Scoped } from "@/lib/auth/scopes";
import { FAST_DECISION_MS } from "@/lib/approvals/schemas";
import { serverTimesOnCard } from "@/lib/approvals/card-views";

/**
 * Per-reviewer figures for the dashboard, over the votes of the last `days`
 * on actions the viewer's scopes cover (canaries left out: they have their
 * own catch rate). Time on card is the server's (lib/approvals/card-views.ts).
 * A reversal is an approval of this reviewer on an action that then ended
 * rejected — another reviewer turned down what this one let through.
 */
export type ReviewerFigures = {
  userId: string;
  email: string;
  decisions: number;
  approvals: number;
  /** approvals / decisions; null without decisions. */
  approvalRate: number | null;
  /** Median server-measured time on card of their votes, ms; null when no vote had a served card. */
  medianTimeOnCardMs: number | null;
  /** Approvals with a server-measured time on card under 3 s. */
  fastApprovals: number;
  reversals: number;
};

/** The newest votes the figures read (a dashboard card, not an export), and the action ids per query. */
const MAX_VOTES = 20_000;
const ID_CHUNK = 500;

export async function reviewerFigures(viewer: Scoped, days = 30, now = new Date()): Promise<ReviewerFigures[]> {
  return (await reviewerFiguresReport(viewer, days, now)).rows;
}

/**
 * The figures, and whether they were counted from the newest `maxVotes` votes of the window only (then from when:
 * the oldest vote read), so the dashboard says so instead of passing part of the window off as all of it.
 */
export async function reviewerFiguresReport(
  viewer: Scoped,
  days = 30,
  now = new Date(),
  maxVotes = MAX_VOTES,
): Promise<{ rows: ReviewerFigures[]; capped: { votes: number; from: string } | null }> {
  const since = new Date(now.getTime() - days * 86_400_000);
  const canaries = new Set((await db().canaryAction.findMany({ select: { actionId: true } })).map((c) => c.actionId));
  // The window's votes first (far fewer than its actions), newest first and bounded; then their actions, in
  // chunks, through the viewer's scopes. One IN list per action would pass SQLite's parameter limit on a busy log.
  const recent = await db().approval.findMany({
    where: { createdAt: { gte: since } },
    select: { actionId: true, userId: true, vote: true, createdAt: true },
    orderBy: { createdAt: "desc" },
    take: maxVotes + 1,
  });
  const capped = recent.length > maxVotes ? { votes: maxVotes, from: recent[maxVotes - 1]!.createdAt.toISOString() } : null;
  if (capped) recent.length = maxVotes;
  const ids = [...new Set(recent.map((v) => v.actionId))].filter((id) => !canaries.has(id));
  const statusOf = new Map<string, string>();
  for (let i = 0; i < ids.length; i += ID_CHUNK) {
    const rows = await db().action.findMany({ where: { AND: [scopeWhere(viewer), { id: { in: ids.slice(i, i + ID_CHUNK) } }] }, select: { id: true, status: true } });
    for (const a of rows) statusOf.set(a.id, a.status);
  }
  const votes = recent.filter((v) => statusOf.has(v.actionId));
  if (votes.length === 0) return { rows: [], capped };
  const onCard = await serverTimesOnCard(votes);
  const users = await db().user.findMany({ where: { id: { in: [...new Set(votes.map((v) => v.userId))] } }, select: { id: true, email: true } });
  const rows = users
    .map((u) => {
      const mine = votes.filter((v) => v.userId === u.id);
      const approvals = mine.filter((v) => v.vote === "approve");
      const times = mine.map((v) => onCard.get(`${v.actionId}:${v.userId}`)).filter((t): t is number => typeof t === "number");
      return {
        userId: u.id,
        email: u.email,
        decisions: mine.length,
        approvals: approvals.length,
        approvalRate: mine.length ? approvals.length / mine.length : null,
        medianTimeOnCardMs: median(times),
        fastApprovals: approvals.filter((v) => (onCard.get(`${v.actionId}:${v.userId}`) ?? Infinity) < FAST_DECISION_MS).length,
        reversals: approvals.filter((v) => statusOf.get(v.actionId) === "rejected").length,
      };
    })
    .sort((a, b) => b.decisions - a.decisions || a.email.localeCompare(b.email));
  return { rows, capped };
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2);
}
