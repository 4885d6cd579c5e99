import "server-only";
import type { Exec } from "@/lib/db/types";
import { asSql } from "@/lib/db/sql";

/**
 * The reads of the required-groups rule (lib/reviewer-groups/vote-rule.ts), raw so they
 * run inside the vote's transaction whether it is raw (lib/actions/vote-on-action.ts) or ORM.
 */
export async function routingRowsFor(exec: Exec, routeName: string, tenantId: string): Promise<{ routeName: string; tenantId: string; requiredGroups: string }[]> {
  return asSql(exec).all(`SELECT "routeName", "tenantId", "requiredGroups" FROM "RouteReviewers" WHERE "routeName" = ? AND "tenantId" IN (?, '*')`, [routeName, tenantId]);
}

export async function groupMemberships(exec: Exec, userIds: readonly string[], groupIds: readonly string[]): Promise<{ userId: string; groupId: string }[]> {
  if (!userIds.length || !groupIds.length) return [];
  const marks = (n: number) => Array.from({ length: n }, () => "?").join(", ");
  return asSql(exec).all(`SELECT "userId", "groupId" FROM "ReviewerGroupMember" WHERE "userId" IN (${marks(userIds.length)}) AND "groupId" IN (${marks(groupIds.length)})`, [
    ...userIds,
    ...groupIds,
  ]);
}

export async function groupNames(exec: Exec, groupIds: readonly string[]): Promise<string[]> {
  if (!groupIds.length) return [];
  const rows = await asSql(exec).all<{ name: string }>(`SELECT "name" FROM "ReviewerGroup" WHERE "id" IN (${groupIds.map(() => "?").join(", ")}) ORDER BY "name"`, [...groupIds]);
  return rows.map((r) => r.name);
}
