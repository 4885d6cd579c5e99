import "server-only";
import { db } from "@/lib/db/client";
import { parseRoles } from "@/lib/auth/roles";
import { covers, roleScopedRow, scopesFor } from "@/lib/auth/scopes";
import { membersOf } from "@/lib/reviewer-groups/asks";

export type Recipient = { id: string; email: string };

/** The enabled users, with what reviewersFor needs of them (a sweep reads them once and passes them to every call). */
export function reviewerCandidates() {
  return db().user.findMany({ where: { disabled: false }, select: { id: true, email: true, roles: true, scopes: true, roleScopes: true }, orderBy: { email: "asc" } });
}

/**
 * Who is told about a pending action: enabled reviewers whose scopes cover
 * its tenant and environment (lib/auth/scopes.ts, the same rule as the
 * queue), never the person it is on behalf of (they may not approve it).
 * With `only` (a routed or asked set: groups and people), just those of them.
 */
export async function reviewersFor(
  a: { tenantId: string; env: string; onBehalfOf: string | null },
  only?: { groupIds: readonly string[]; userIds?: readonly string[] },
  candidates?: Awaited<ReturnType<typeof reviewerCandidates>>,
): Promise<Recipient[]> {
  const users = candidates ?? (await reviewerCandidates());
  const behalf = a.onBehalfOf?.trim().toLowerCase();
  const allowed = only ? new Set([...(await membersOf(only.groupIds)), ...(only.userIds ?? [])]) : null;
  return users
    .filter(
      (u) =>
        (!allowed || allowed.has(u.id)) &&
        // Where the reviewer role applies (per-role scopes), not where any role does.
        covers({ scopes: scopesFor(roleScopedRow({ ...u, roles: parseRoles(u.roles) }), "reviewer") }, a.tenantId, a.env) &&
        u.email.toLowerCase() !== behalf,
    )
    .map((u) => ({ id: u.id, email: u.email }));
}
