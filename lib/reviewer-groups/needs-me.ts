import "server-only";
import { db } from "@/lib/db/client";
import { pendingAmong } from "@/lib/approvals/pending-among";

/**
 * The queue's "needs me" narrowed by routing: an action whose route (or the
 * route for its tenant) is routed to a group the viewer is not in is not the
 * viewer's — unless the viewer, or a group of theirs, was asked since
 * (escalation, reassignment). Null when no route is routed (today's
 * behaviour: every in-scope reviewer). A `where` fragment on Action that only
 * narrows the already-scoped queue.
 */
export async function routedElsewhere(viewerId: string): Promise<Record<string, unknown> | null> {
  const rows = await db().routeReviewers.findMany({ select: { routeName: true, tenantId: true, groupId: true } });
  if (!rows.length) return null;
  const mine = new Set((await db().reviewerGroupMember.findMany({ where: { userId: viewerId }, select: { groupId: true } })).map((m) => m.groupId));
  const excludes: Record<string, unknown>[] = [];
  for (const r of rows) {
    if (mine.has(r.groupId)) continue;
    if (r.tenantId !== "*") excludes.push({ routeName: r.routeName, tenantId: r.tenantId });
    else {
      // A tenant's own row wins over `*`: those tenants are judged by their row.
      const own = rows.filter((x) => x.routeName === r.routeName && x.tenantId !== "*").map((x) => x.tenantId);
      excludes.push(own.length ? { routeName: r.routeName, tenantId: { notIn: own } } : { routeName: r.routeName });
    }
  }
  if (!excludes.length) return null;
  const asks = await db().actionAsk.findMany({
    where: { reason: { in: ["escalated", "reassigned"] }, OR: [{ userId: viewerId }, ...(mine.size ? [{ groupId: { in: [...mine] } }] : [])] },
    select: { actionId: true },
  });
  // Every ask, kept only while its action is pending (the queue lists nothing else): what is left is bounded by the queue.
  const asked = await pendingAmong(asks.map((a) => a.actionId));
  return { OR: [{ NOT: { OR: excludes } }, ...(asked.length ? [{ id: { in: asked } }] : [])] };
}
