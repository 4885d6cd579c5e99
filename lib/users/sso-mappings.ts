import "server-only";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { appendAudit, userActor } from "@/lib/audit/append";
import { parseRoles, ROLES, type Role } from "@/lib/auth/roles";
import { formatScopes, parseScope, parseScopes, widensScopes } from "@/lib/auth/scopes";
import { GROUP_NAME } from "@/lib/auth/sso-mapping";
import { requestGrant } from "@/lib/users/grants";
import { requireAdminInTx } from "@/lib/users/require-admin";

/**
 * The console's edits of the SSO group mapping (lib/auth/sso-mapping.ts).
 * A change that gives a group a role it did not confer, or widens its
 * scopes, is a grant: stored as a pending UserGrant (kind
 * "sso_mapping") and applied when a second admin approves it
 * (lib/users/grants.ts). Narrowing and removal apply at once; users of the
 * group get the new access at their next sign-in or session re-check
 * (GATEHOUSE_SSO_RECHECK_SECONDS).
 */

export type SsoMappingRow = { group: string; roles: Role[]; scopes: string; updatedAt: string };
type Ctx = { actorId: string; requestId?: string | null };

export const ssoMappingInput = z.strictObject({
  group: z.string().trim().regex(GROUP_NAME, "a group name: 1-200 characters, no commas"),
  roles: z.array(z.enum(ROLES)).max(ROLES.length),
  scopes: z
    .array(z.string().refine((s) => s.trim() === "*" || parseScope(s) !== null, "tenant/env, either part *"))
    .min(1)
    .max(100)
    .default(["*"]),
});
export type SsoMappingInput = z.infer<typeof ssoMappingInput>;

export async function listSsoMappings(): Promise<SsoMappingRow[]> {
  const rows = await db().ssoGroupMapping.findMany({ orderBy: { group: "asc" } });
  return rows.map((r) => ({ group: r.group, roles: parseRoles(r.roles), scopes: r.scopes, updatedAt: r.updatedAt.toISOString() }));
}

/** Set (or, with no roles, remove) a group's mapping; widening is a pending grant. */
export async function setSsoMapping(input: SsoMappingInput, ctx: Ctx): Promise<{ status: "applied" } | { status: "pending"; grant_id: string }> {
  const scopes = formatScopes(parseScopes(input.scopes.join(",")));
  const roles = [...new Set(input.roles)].sort();
  return db().$transaction(async (tx) => {
    await requireAdminInTx(tx, ctx.actorId);
    const now = await tx.ssoGroupMapping.findUnique({ where: { group: input.group } });
    const before = now ? parseRoles(now.roles) : [];
    // Any role the group did not confer, or a scope it did not reach, is more access: a grant.
    const widens = roles.some((r) => !before.includes(r)) || (roles.length > 0 && now !== null && widensScopes(parseScopes(now.scopes), parseScopes(scopes)));
    if (widens) {
      return requestGrant(tx, { kind: "sso_mapping", userId: null, email: "", ssoGroup: input.group, roles, scopes, baseRoles: before }, ctx);
    }
    if (roles.length === 0) {
      if (now) await tx.ssoGroupMapping.delete({ where: { id: now.id } });
    } else {
      await tx.ssoGroupMapping.upsert({
        where: { group: input.group },
        create: { group: input.group, roles: roles.join(","), scopes },
        update: { roles: roles.join(","), scopes },
      });
    }
    await appendAudit(tx, {
      type: "sso.mapping_changed",
      ...userActor(ctx),
      status: "ok",
      data: { group: input.group, roles, scopes: roles.length ? scopes : null, before: now ? { roles: before, scopes: now.scopes } : null },
    });
    return { status: "applied" as const };
  });
}
