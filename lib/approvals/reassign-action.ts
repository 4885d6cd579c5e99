import "server-only";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { appendAudit, userActor } from "@/lib/audit/append";
import { parseRoles } from "@/lib/auth/roles";
import { covers, roleScopedRow, scopesFor } from "@/lib/auth/scopes";
import { actionAuditFields } from "@/lib/actions/action-audit";
import { recordAsk } from "@/lib/reviewer-groups/asks";

export const reassignInput = z.union([z.strictObject({ group_id: z.string().min(1).max(100) }), z.strictObject({ user_id: z.string().min(1).max(100) })]);

/**
 * An admin asks someone else to decide a pending action: a group, or one
 * reviewer whose scopes cover the action. It changes who is told (the
 * notification sweep sends "reassigned") and whose "needs me" shows it, never
 * who may vote or who counts toward a rule, so one admin may do it. The caller
 * ran assertActionInScope; the admin's own scopes must cover the action too.
 */
export async function reassignAction(actionId: string, input: z.infer<typeof reassignInput>, ctx: { actorId: string; requestId?: string | null }): Promise<{ level: number }> {
  return db().$transaction(async (tx) => {
    const admin = await tx.user.findUnique({ where: { id: ctx.actorId } });
    if (!admin || admin.disabled || !parseRoles(admin.roles).includes("admin")) throw new AppError("forbidden", "Only an admin can reassign an action.");
    // scope-guard: the route ran assertActionInScope; re-checked against the admin's scopes as they are now
    const a = await tx.action.findUnique({ where: { id: actionId } });
    if (!a || !covers({ scopes: scopesFor(roleScopedRow({ ...admin, roles: parseRoles(admin.roles) }), "admin") }, a.tenantId, a.env))
      throw new AppError("not_found", "No such action.");
    if (a.status !== "pending") throw new AppError("conflict", `This action is already ${a.status}.`, { reason: "already_decided" });
    let target: { groupId: string } | { userId: string };
    if ("group_id" in input) {
      if (!(await tx.reviewerGroup.findUnique({ where: { id: input.group_id } })))
        throw new AppError("validation_failed", "Unknown reviewer group.", { issues: [{ path: "group_id", message: "unknown group" }] });
      target = { groupId: input.group_id };
    } else {
      const u = await tx.user.findUnique({ where: { id: input.user_id } });
      const fit = u && !u.disabled && covers({ scopes: scopesFor(roleScopedRow({ ...u, roles: parseRoles(u.roles) }), "reviewer") }, a.tenantId, a.env);
      if (!fit)
        throw new AppError("validation_failed", "That person is not a reviewer of this action's tenant and environment.", {
          issues: [{ path: "user_id", message: "not a reviewer here" }],
        });
      if (a.onBehalfOf && a.onBehalfOf.trim().toLowerCase() === u.email.toLowerCase()) {
        throw new AppError("validation_failed", "This action is on that person's behalf; they cannot decide it.", { issues: [{ path: "user_id", message: "own request" }] });
      }
      target = { userId: u.id };
    }
    const level = (await tx.actionAsk.count({ where: { actionId, reason: "reassigned" } })) + 1;
    if (!(await recordAsk(tx, { actionId, reason: "reassigned", level, askedById: ctx.actorId, ...target }))) {
      throw new AppError("conflict", "Someone reassigned this action at the same moment; reload and try again.", { reason: "concurrent_change" });
    }
    await appendAudit(tx, {
      type: "action.reassigned",
      ...userActor(ctx),
      ...actionAuditFields(a),
      status: "pending",
      data: { level, ...("groupId" in target ? { group_id: target.groupId } : { user_id: target.userId }) },
    });
    return { level };
  });
}
