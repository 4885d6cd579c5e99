import "server-only";
import { db } from "@/lib/db/client";
import { voterCounts, voterMiddleTimes } from "@/lib/db/tables/console-figures";
import { scopeSql, type Scoped } from "@/lib/auth/scopes";
import { FAST_DECISION_MS } from "@/lib/approvals/schemas";

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

/**
 * The figures over every vote of the window, counted in the database (lib/db/tables/console-figures.ts: one grouped
 * read, and one for the middle times on card of each reviewer).
 */
export async function reviewerFigures(viewer: Scoped, days = 30, now = new Date()): Promise<ReviewerFigures[]> {
  const since = new Date(now.getTime() - days * 86_400_000);
  const scope = scopeSql(viewer, { tenant: 'a."tenantId"', env: 'a."env"' });
  const [counts, middles] = await Promise.all([voterCounts(scope, since, now, FAST_DECISION_MS), voterMiddleTimes(scope, since, now)]);
  if (counts.length === 0) return [];
  const users = await db().user.findMany({ where: { id: { in: counts.map((c) => c.userId) } }, select: { id: true, email: true } });
  return users
    .map((u) => {
      const c = counts.find((x) => x.userId === u.id)!;
      // One middle time (an odd count) or the two around the middle (an even one), averaged to the millisecond.
      const mid = middles.filter((m) => m.userId === u.id).map((m) => m.ms);
      return {
        userId: u.id,
        email: u.email,
        decisions: c.decisions,
        approvals: c.approvals,
        approvalRate: c.decisions ? c.approvals / c.decisions : null,
        medianTimeOnCardMs: mid.length ? Math.round(mid.reduce((a, b) => a + b, 0) / mid.length) : null,
        fastApprovals: c.fastApprovals,
        reversals: c.reversals,
      };
    })
    .sort((a, b) => b.decisions - a.decisions || a.email.localeCompare(b.email));
}
