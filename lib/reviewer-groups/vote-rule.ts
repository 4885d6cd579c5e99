import "server-only";
import type { Action, Exec } from "@/lib/db/types";
import { groupMemberships, groupNames, routingRowsFor } from "@/lib/db/tables/reviewer-groups";
import { requiredGroupsConflict } from "@/lib/users/group-rule";
import { parseIdList, resolveRouting } from "@/lib/reviewer-groups/routing";

/**
 * The refusal message when approving `action` as `approverId` would break its
 * route's required groups (lib/users/group-rule.ts), or null. Only destructive
 * actions carry the rule; memberships are read now, inside the vote's
 * transaction (after its row lock), so concurrent votes see each other.
 */
export async function requiredGroupsRefusal(
  tx: Exec,
  action: Pick<Action, "routeName" | "tenantId" | "toolKind" | "approvalsRequired">,
  approverId: string,
  priorApproverIds: readonly string[],
): Promise<string | null> {
  if (action.toolKind !== "destructive") return null;
  const rows = await routingRowsFor(tx, action.routeName, action.tenantId);
  const routing = resolveRouting(rows, action.routeName, action.tenantId);
  const required = parseIdList(routing?.requiredGroups);
  if (!required.length) return null;
  const people = [...priorApproverIds, approverId];
  const members = await groupMemberships(tx, people, required);
  const groupsOf = (id: string) => new Set(members.filter((m) => m.userId === id).map((m) => m.groupId));
  const missing = requiredGroupsConflict({ required, approvalsRequired: Math.max(2, action.approvalsRequired), prior: priorApproverIds.map(groupsOf), next: groupsOf(approverId) });
  if (!missing) return null;
  const names = await groupNames(tx, missing);
  return `This route needs an approver from each of its required groups; the ${priorApproverIds.length ? "next" : "first"} approval must come from a member of ${names.join(" or ") || "a required group"}.`;
}
