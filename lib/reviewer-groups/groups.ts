import "server-only";
import { z } from "zod";
import { db } from "@/lib/db/client";
import type { Tx } from "@/lib/db/types";
import { AppError } from "@/lib/errors";
import { appendAudit, userActor } from "@/lib/audit/append";
import { isUniqueViolation } from "@/lib/db/errors";
import { parseRoles } from "@/lib/auth/roles";
import { requestGrant } from "@/lib/users/grants";
import { requireAdminInTx } from "@/lib/users/require-admin";
import { requireSecondPerson, type ApprovalChannel } from "@/lib/users/two-person";
import { parseIdList, resolveRouting, type Routing } from "@/lib/reviewer-groups/routing";

/**
 * Reviewer groups (issue 22): named sets of console users. Creating a group and
 * removing a member are one admin's act (they narrow); adding a member is a
 * grant under the second-admin rule (lib/users/grants.ts, kind `group`),
 * because a member can serve a route's required group on a destructive action.
 * Tenant-less settings: only unrestricted admins reach them (consoleHandler).
 */

type Ctx = { actorId: string; requestId?: string | null };

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const SLACK_CHANNEL = /^[CGD][A-Z0-9]{2,20}$/;

export const createGroupInput = z.strictObject({
  name: z.string().regex(NAME, "lower-case letters, digits, - and _ (up to 63)"),
  slack_channel: z.string().regex(SLACK_CHANNEL, "a Slack channel id such as C0123ABCD").nullable().optional(),
});
export const addMemberInput = z.strictObject({ user_id: z.string().min(1).max(100) });
export const routeReviewersInput = z.strictObject({
  route: z.string().min(1).max(200),
  tenant: z.string().regex(/^(\*|[a-z0-9][a-z0-9_-]{0,99})$/, "a tenant id or *"),
  group_id: z.string().min(1).max(100),
  escalation_chain: z.array(z.string().min(1).max(100)).max(5).default([]),
  required_groups: z.array(z.string().min(1).max(100)).max(2).default([]),
});

export type GroupView = { id: string; name: string; slackChannel: string | null; members: { userId: string; email: string }[] };
export type RoutingView = Routing & { id: string; updatedAt: string; pending: { requiredGroups: string[]; byId: string; at: string } | null };

/** Every group with its members, and every route's routing row. */
export async function listGroups(): Promise<{ groups: GroupView[]; routing: RoutingView[] }> {
  const [groups, members, rows] = await Promise.all([
    db().reviewerGroup.findMany({ orderBy: { name: "asc" } }),
    db().reviewerGroupMember.findMany({ orderBy: { addedAt: "asc" } }),
    db().routeReviewers.findMany({ orderBy: [{ routeName: "asc" }, { tenantId: "asc" }] }),
  ]);
  const users = await db().user.findMany({ where: { id: { in: [...new Set(members.map((m) => m.userId))] } }, select: { id: true, email: true } });
  const email = new Map(users.map((u) => [u.id, u.email]));
  return {
    groups: groups.map((g) => ({
      id: g.id,
      name: g.name,
      slackChannel: g.slackChannel,
      members: members.filter((m) => m.groupId === g.id).map((m) => ({ userId: m.userId, email: email.get(m.userId) ?? m.userId })),
    })),
    routing: rows.map((r) => ({
      id: r.id,
      routeName: r.routeName,
      tenantId: r.tenantId,
      groupId: r.groupId,
      escalationChain: parseIdList(r.escalationChain),
      requiredGroups: parseIdList(r.requiredGroups),
      updatedAt: r.updatedAt.toISOString(),
      pending:
        r.pendingRequiredGroups !== null && r.pendingById
          ? { requiredGroups: parseIdList(r.pendingRequiredGroups), byId: r.pendingById, at: (r.pendingAt ?? r.updatedAt).toISOString() }
          : null,
    })),
  };
}

/** Create an empty group (audited). 409 when the name is taken. */
export async function createGroup(input: z.infer<typeof createGroupInput>, ctx: Ctx): Promise<{ id: string }> {
  try {
    return await db().$transaction(async (tx) => {
      await requireAdminInTx(tx, ctx.actorId);
      const g = await tx.reviewerGroup.create({ data: { name: input.name, slackChannel: input.slack_channel ?? null, createdById: ctx.actorId } });
      await appendAudit(tx, { type: "reviewer_group.created", ...userActor(ctx), data: { group_id: g.id, name: g.name, slack_channel: g.slackChannel } });
      return { id: g.id };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError("conflict", "A group with this name exists.", { reason: "name_taken" });
    throw err;
  }
}

/** Ask for `userId` to join the group: a pending grant a second admin approves (lib/users/grants.ts). */
export async function requestMembership(groupId: string, userId: string, ctx: Ctx): Promise<{ status: "pending"; grant_id: string }> {
  return db().$transaction(async (tx) => {
    await requireAdminInTx(tx, ctx.actorId);
    const group = await tx.reviewerGroup.findUnique({ where: { id: groupId } });
    if (!group) throw new AppError("not_found", "No such group.");
    const u = await tx.user.findUnique({ where: { id: userId } });
    if (!u) throw new AppError("validation_failed", "No such user.", { issues: [{ path: "user_id", message: "unknown user" }] });
    if (u.disabled) throw new AppError("validation_failed", "That account is disabled.", { issues: [{ path: "user_id", message: "disabled" }] });
    if (await tx.reviewerGroupMember.findUnique({ where: { groupId_userId: { groupId, userId } } })) {
      throw new AppError("conflict", "Already a member.", { reason: "already_member" });
    }
    const open = await tx.userGrant.findFirst({ where: { kind: "group", groupId, userId, status: "pending" } });
    if (open) throw new AppError("conflict", "A request for this membership is already waiting for a second admin.", { reason: "already_requested" });
    return requestGrant(tx, { kind: "group", userId: u.id, email: u.email, roles: parseRoles(u.roles), groupId }, ctx);
  });
}

/** Remove a member at once (narrowing; audited). 404 when not a member. */
export async function removeMember(groupId: string, userId: string, ctx: Ctx): Promise<void> {
  await db().$transaction(async (tx) => {
    await requireAdminInTx(tx, ctx.actorId);
    const gone = await tx.reviewerGroupMember.deleteMany({ where: { groupId, userId } });
    if (gone.count !== 1) throw new AppError("not_found", "Not a member of this group.");
    await appendAudit(tx, { type: "reviewer_group.member_removed", ...userActor(ctx), data: { group_id: groupId, user_id: userId } });
  });
}

/** True when `after` drops a group `before` required (fewer, or one replaced): it weakens a two-person rule. */
const loosens = (before: readonly string[], after: readonly string[]) => before.some((g) => !after.includes(g));

/**
 * The required groups in force for `tenant` on `route` (its own row, else the route's `*` row), with and
 * without the row of `tenant` itself: a tenant row overrides `*`, so adding or removing one can loosen.
 */
async function requiredInForce(tx: Tx, route: string, tenant: string): Promise<{ now: string[]; withoutOwnRow: string[] }> {
  const rows = await tx.routeReviewers.findMany({ where: { routeName: route, tenantId: { in: [...new Set([tenant, "*"])] } } });
  return {
    now: parseIdList(resolveRouting(rows, route, tenant)?.requiredGroups),
    withoutOwnRow:
      tenant === "*"
        ? []
        : parseIdList(
            resolveRouting(
              rows.filter((r) => r.tenantId === "*"),
              route,
              tenant,
            )?.requiredGroups,
          ),
  };
}

async function requireGroups(tx: Tx, ids: readonly string[], path: string): Promise<void> {
  if (!ids.length) return;
  const found = await tx.reviewerGroup.count({ where: { id: { in: [...ids] } } });
  if (found !== new Set(ids).size) throw new AppError("validation_failed", "Unknown reviewer group.", { issues: [{ path, message: "unknown group" }] });
}

/**
 * Set which group reviews a route (for one tenant or `*`), its escalation
 * chain and its required groups. Tightening the required groups takes effect
 * at once; loosening them (dropping or replacing one) weakens a two-person
 * rule, so the new list waits for a second admin (approveRequiredGroups) while
 * the rest of the change applies now. Returns `pending` in that case. Judged
 * against what applied to the tenant before — the `*` row when the tenant had
 * no row of its own, which a new tenant row overrides — and until approved a
 * new row keeps those groups.
 */
export async function setRouteReviewers(input: z.infer<typeof routeReviewersInput>, ctx: Ctx): Promise<{ id: string; status: "applied" | "pending" }> {
  return db().$transaction(async (tx) => {
    await requireAdminInTx(tx, ctx.actorId);
    if (!(await tx.route.findUnique({ where: { name: input.route } }))) {
      throw new AppError("validation_failed", "Unknown route.", { issues: [{ path: "route", message: "unknown route" }] });
    }
    await requireGroups(tx, [input.group_id], "group_id");
    await requireGroups(tx, input.escalation_chain, "escalation_chain");
    await requireGroups(tx, input.required_groups, "required_groups");
    const required = [...new Set(input.required_groups)];
    const before = await tx.routeReviewers.findUnique({ where: { routeName_tenantId: { routeName: input.route, tenantId: input.tenant } } });
    const had = (await requiredInForce(tx, input.route, input.tenant)).now;
    const loosening = loosens(had, required);
    const base = { groupId: input.group_id, escalationChain: [...new Set(input.escalation_chain)].join(","), updatedById: ctx.actorId };
    const data = loosening
      ? { ...base, pendingRequiredGroups: required.join(","), pendingById: ctx.actorId, pendingAt: new Date() }
      : { ...base, requiredGroups: required.join(","), pendingRequiredGroups: null, pendingById: null, pendingAt: null };
    const row = await tx.routeReviewers.upsert({
      where: { routeName_tenantId: { routeName: input.route, tenantId: input.tenant } },
      create: { routeName: input.route, tenantId: input.tenant, ...data, requiredGroups: (loosening ? had : required).join(",") },
      update: data,
    });
    await appendAudit(tx, {
      type: loosening ? "route_reviewers.loosening_requested" : "route_reviewers.set",
      ...userActor(ctx),
      status: loosening ? "pending" : null,
      data: {
        route: input.route,
        tenant_scope: input.tenant,
        group_id: input.group_id,
        escalation_chain: parseIdList(base.escalationChain),
        required_groups: required,
        before: before ? { group_id: before.groupId, escalation_chain: parseIdList(before.escalationChain), required_groups: had } : { inherited_required_groups: had },
      },
    });
    return { id: row.id, status: loosening ? ("pending" as const) : ("applied" as const) };
  });
}

/**
 * A second admin applies a pending loosening of a route's required groups:
 * never the admin who asked, nor someone tied to them by a recent elevation,
 * and only from a console session (lib/users/two-person.ts). 409 when nothing waits.
 */
export async function approveRequiredGroups(id: string, ctx: Ctx & { channel: ApprovalChannel }): Promise<{ status: "approved" }> {
  return db().$transaction(async (tx) => {
    await requireAdminInTx(tx, ctx.actorId);
    const row = await tx.routeReviewers.findUnique({ where: { id } });
    if (!row) throw new AppError("not_found", "No such routing.");
    if (row.pendingRequiredGroups === null || !row.pendingById) throw new AppError("conflict", "Nothing waits for a second admin here.", { reason: "already_decided" });
    await requireSecondPerson(tx, {
      firsts: [row.pendingById],
      second: ctx.actorId,
      channel: ctx.channel,
      sameMessage: "You asked for this change; a second admin must approve it.",
    });
    const took = await tx.routeReviewers.updateMany({
      where: { id, pendingRequiredGroups: row.pendingRequiredGroups, pendingById: row.pendingById },
      data: { requiredGroups: row.pendingRequiredGroups, pendingRequiredGroups: null, pendingById: null, pendingAt: null, updatedById: ctx.actorId },
    });
    if (took.count !== 1) throw new AppError("conflict", "This change was decided by someone else.", { reason: "already_decided" });
    await appendAudit(tx, {
      type: "route_reviewers.loosening_approved",
      ...userActor(ctx),
      status: "approved",
      data: {
        route: row.routeName,
        tenant_scope: row.tenantId,
        required_groups: parseIdList(row.pendingRequiredGroups),
        before: parseIdList(row.requiredGroups),
        requested_by: row.pendingById,
      },
    });
    return { status: "approved" as const };
  });
}

/**
 * Remove a route's routing row (a tenant's falls back to the route's `*` row; the `*` row to every in-scope
 * reviewer). Refused when that loosens the required groups in force (a tenant row stricter than `*`, a `*` row
 * naming any): a second admin approves dropping them first.
 */
export async function deleteRouteReviewers(id: string, ctx: Ctx): Promise<void> {
  await db().$transaction(async (tx) => {
    await requireAdminInTx(tx, ctx.actorId);
    const row = await tx.routeReviewers.findUnique({ where: { id } });
    if (!row) throw new AppError("not_found", "No such routing.");
    const inForce = await requiredInForce(tx, row.routeName, row.tenantId);
    if (loosens(inForce.now, inForce.withoutOwnRow)) {
      throw new AppError("conflict", "This routing names required groups; drop them first (a second admin approves that), then remove it.", { reason: "needs_second_admin" });
    }
    await tx.routeReviewers.delete({ where: { id } });
    await appendAudit(tx, { type: "route_reviewers.removed", ...userActor(ctx), data: { route: row.routeName, tenant_scope: row.tenantId, group_id: row.groupId } });
  });
}
