import "server-only";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { AppError, zodIssues } from "@/lib/errors";
import type { Role } from "@/lib/auth/roles";
import { covers, scopesFor, unionScopes, type RoleScopes, type Scoped } from "@/lib/auth/scopes";
import { requireOpenSession } from "@/lib/break-glass/session-rules";
import { setKillSwitchInput, setKillSwitchTx, type KillSwitchView } from "@/lib/kill-switches/set-kill-switch";

/** The console's body: the switch (setKillSwitchInput, checked by flipKillSwitch) and, for on-call, the break-glass session it is flipped under. */
export const flipKillSwitchBody = z.object({ break_glass_session_id: z.string().min(1).max(100).optional() }).passthrough();

/**
 * A console user flips one kill switch. An admin may do it alone; anyone else
 * (on-call) only under an open break-glass session of their own. A named
 * session must be open and this user's even for an admin: the audit tag must
 * be true. The check, the row, its audit event and webhook commit together.
 */
export async function flipKillSwitch(
  user: { id: string; roles: readonly Role[]; roleScopes?: RoleScopes } & Scoped,
  body: z.infer<typeof flipKillSwitchBody>,
  ctx: { requestId?: string | null } = {},
): Promise<KillSwitchView> {
  const { break_glass_session_id: sessionId, ...rest } = body;
  const parsed = setKillSwitchInput.safeParse(rest);
  if (!parsed.success) throw new AppError("validation_failed", "Invalid kill switch.", { issues: zodIssues(parsed.error.issues) });
  // A tenant's switch stops every environment of it: it takes a grant for all of them; a tool switch for every tenant, an unrestricted one.
  // Per role: an admin flips where the admin role applies; under a break-glass session, also where on-call applies.
  const reach = sessionId ? unionScopes(scopesFor(user, "admin"), scopesFor(user, "oncall")) : scopesFor(user, "admin");
  if (!covers(user, parsed.data.tenantId ?? null, "*") || !covers({ scopes: reach }, parsed.data.tenantId ?? null, "*")) {
    throw new AppError("forbidden", "This kill switch reaches tenants or environments outside your scopes.", { reason: "scope_restricted" });
  }
  if (!user.roles.includes("admin") && !sessionId) {
    throw new AppError("forbidden", "On-call flips kill switches only under an open break-glass session.", { reason: "break_glass_required" });
  }
  return db().$transaction(async (tx) => {
    if (sessionId) await requireOpenSession(tx, sessionId, user.id);
    return setKillSwitchTx(tx, { ...parsed.data, actorId: user.id, breakGlassSessionId: sessionId ?? null, requestId: ctx.requestId });
  });
}
