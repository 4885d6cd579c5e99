import "server-only";
import { db } from "@/lib/db/client";
import { parseRoles } from "@/lib/auth/roles";
import { covers, parseScopes } from "@/lib/auth/scopes";

export type Recipient = { id: string; email: string };

/**
 * Who is told about a pending action: enabled reviewers whose scopes cover
 * its tenant and environment (lib/auth/scopes.ts, the same rule as the
 * queue), never the person it is on behalf of (they may not approve it).
 */
export async function reviewersFor(a: { tenantId: string; env: string; onBehalfOf: string | null }): Promise<Recipient[]> {
  const users = await db().user.findMany({ where: { disabled: false }, select: { id: true, email: true, roles: true, scopes: true }, orderBy: { email: "asc" } });
  const behalf = a.onBehalfOf?.trim().toLowerCase();
  return users
    .filter((u) => parseRoles(u.roles).includes("reviewer") && covers({ scopes: parseScopes(u.scopes) }, a.tenantId, a.env) && u.email.toLowerCase() !== behalf)
    .map((u) => ({ id: u.id, email: u.email }));
}
