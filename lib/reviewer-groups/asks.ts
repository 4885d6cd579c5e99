import "server-only";
import { db } from "@/lib/db/client";
import type { Tx } from "@/lib/db/types";
import { isUniqueViolation } from "@/lib/db/errors";
import { parseIdList, resolveRouting, type Routing } from "@/lib/reviewer-groups/routing";

/**
 * Who is asked to decide an action (ActionAsk rows): the route's group when
 * it first waits (`routed`), the chain's next group at each escalation
 * (`escalated`, level n), someone an admin names (`reassigned`). Asking makes
 * nobody count toward a rule: it decides who is told and whose "needs me"
 * shows the action; who may vote stays the scopes and roles.
 */

export type AskReason = "routed" | "escalated" | "reassigned";

/** The routing that applies to an action now (lib/reviewer-groups/routing.ts), or null. */
export async function routingFor(a: { routeName: string; tenantId: string }, tx: Tx = db()): Promise<Routing | null> {
  const rows = await tx.routeReviewers.findMany({ where: { routeName: a.routeName, tenantId: { in: [a.tenantId, "*"] } } });
  const r = resolveRouting(rows, a.routeName, a.tenantId);
  return r
    ? { routeName: r.routeName, tenantId: r.tenantId, groupId: r.groupId, escalationChain: parseIdList(r.escalationChain), requiredGroups: parseIdList(r.requiredGroups) }
    : null;
}

/** Record an ask once (the unique (action, reason, level) makes sweeps on several instances safe); true when this call wrote it. */
export async function recordAsk(
  tx: Tx,
  ask: { actionId: string; reason: AskReason; level: number; groupId?: string | null; userId?: string | null; askedById?: string | null; at?: Date },
): Promise<boolean> {
  // Looked up first: inside a PostgreSQL transaction a unique violation would abort the transaction.
  if (await tx.actionAsk.findUnique({ where: { actionId_reason_level: { actionId: ask.actionId, reason: ask.reason, level: ask.level } }, select: { id: true } })) return false;
  try {
    await tx.actionAsk.create({
      data: {
        actionId: ask.actionId,
        reason: ask.reason,
        level: ask.level,
        groupId: ask.groupId ?? null,
        userId: ask.userId ?? null,
        askedById: ask.askedById ?? null,
        askedAt: ask.at ?? new Date(),
      },
    });
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

export type AskView = { reason: AskReason; level: number; group: string | null; user: string | null; askedBy: string | null; at: string };

/** The card's "Asked" list: who was asked, why and when, oldest first (names, never ids of other tenants' data: asks hang off an in-scope action). */
export async function asksOf(actionId: string): Promise<AskView[]> {
  const asks = await db().actionAsk.findMany({ where: { actionId }, orderBy: { askedAt: "asc" } });
  if (!asks.length) return [];
  const groups = await db().reviewerGroup.findMany({ where: { id: { in: asks.map((a) => a.groupId).filter((x): x is string => !!x) } }, select: { id: true, name: true } });
  const userIds = [...new Set(asks.flatMap((a) => [a.userId, a.askedById]).filter((x): x is string => !!x))];
  const users = userIds.length ? await db().user.findMany({ where: { id: { in: userIds } }, select: { id: true, email: true } }) : [];
  const gName = new Map(groups.map((g) => [g.id, g.name]));
  const uMail = new Map(users.map((u) => [u.id, u.email]));
  return asks.map((a) => ({
    reason: a.reason as AskReason,
    level: a.level,
    group: a.groupId ? (gName.get(a.groupId) ?? null) : null,
    user: a.userId ? (uMail.get(a.userId) ?? null) : null,
    askedBy: a.askedById ? (uMail.get(a.askedById) ?? null) : null,
    at: a.askedAt.toISOString(),
  }));
}

/** The user ids in any of `groupIds`. */
export async function membersOf(groupIds: readonly string[]): Promise<Set<string>> {
  if (!groupIds.length) return new Set();
  const rows = await db().reviewerGroupMember.findMany({ where: { groupId: { in: [...groupIds] } }, select: { userId: true } });
  return new Set(rows.map((r) => r.userId));
}
