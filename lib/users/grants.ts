import "server-only";
import { z } from "zod";
import { db } from "@/lib/db/client";
import type { Tx, User, UserGrant } from "@/lib/db/types";
import { AppError } from "@/lib/errors";
import { appendAudit, userActor } from "@/lib/audit/append";
import { parseRoles, type Role } from "@/lib/auth/roles";
import { isUnrestricted, parseScopes, roleScopedRow, scopesFor } from "@/lib/auth/scopes";
import { isUniqueViolation } from "@/lib/db/errors";
import { requireAdminInTx } from "@/lib/users/require-admin";
import { COUNTING_ROLES, requireSecondPerson, type ApprovalChannel } from "@/lib/users/two-person";

/**
 * Role grants that need a second admin. Anything that makes an account count
 * toward a two-person rule — creating a user with admin, reviewer or on-call,
 * adding one of those roles, re-enabling such an account, resetting its
 * password — is stored as a pending UserGrant and applied only when a
 * different admin approves it: not the requester, not the account itself, and
 * not someone the requester elevated recently (lib/users/two-person.ts).
 * Joining a reviewer group (kind `group`, lib/reviewer-groups) is one too: a
 * member can serve a route's required group for a destructive action.
 * Narrowing (removing a role, disabling, deleting, leaving a group) stays one-person.
 */

export type GrantKind = "create" | "roles" | "enable" | "password" | "group" | "sso_mapping";
type Ctx = { actorId: string; requestId?: string | null };

export type GrantView = {
  id: string;
  kind: GrantKind;
  userId: string | null;
  email: string;
  name: string | null;
  roles: Role[];
  /** The scopes the account holds once approved (`*` every tenant); null: unchanged. */
  scopes: string | null;
  /** Per-role scopes (`reviewer=acme/prod;admin=*`) once approved; null: unchanged, "": cleared. */
  roleScopes: string | null;
  /** kind "sso_mapping": the identity-provider group whose roles and scopes this sets. */
  ssoGroup: string | null;
  baseRoles: Role[] | null;
  /** kind group: the reviewer group joined once approved. */
  groupId: string | null;
  groupName: string | null;
  requestedById: string;
  requestedByEmail: string | null;
  requestedAt: string;
};

/** True when `roles` hold a role that counts toward a two-person rule. */
export const countsTowardTwoPerson = (roles: readonly Role[]): boolean => roles.some((r) => COUNTING_ROLES.includes(r));

/** Roles in `after` that count toward a two-person rule and `before` lacks. */
export const addedCountingRoles = (before: readonly Role[], after: readonly Role[]): Role[] => after.filter((r) => COUNTING_ROLES.includes(r) && !before.includes(r));

/** Store a pending grant and audit the request; nothing about the account changes. */
export async function requestGrant(
  tx: Tx,
  g: {
    kind: GrantKind;
    userId: string | null;
    email: string;
    name?: string | null;
    roles: readonly Role[];
    scopes?: string | null;
    roleScopes?: string | null;
    baseRoles?: readonly Role[] | null;
    passwordHash?: string | null;
    groupId?: string | null;
    ssoGroup?: string | null;
  },
  ctx: Ctx,
): Promise<{ status: "pending"; grant_id: string }> {
  const row = await tx.userGrant.create({
    data: {
      kind: g.kind,
      userId: g.userId,
      email: g.email,
      name: g.name ?? null,
      roles: g.roles.join(","),
      scopes: g.scopes ?? null,
      roleScopes: g.roleScopes ?? null,
      baseRoles: g.baseRoles ? g.baseRoles.join(",") : null,
      passwordHash: g.passwordHash ?? null,
      groupId: g.groupId ?? null,
      ssoGroup: g.ssoGroup ?? null,
      requestedById: ctx.actorId,
    },
  });
  await appendAudit(tx, {
    type: "user.grant_requested",
    ...userActor(ctx),

    status: "pending",
    data: {
      grant_id: row.id,
      kind: g.kind,
      user_id: g.userId,
      email: g.email,
      roles: [...g.roles],
      scopes: g.scopes ?? null,
      ...(g.roleScopes != null ? { role_scopes: g.roleScopes } : {}),
      base_roles: g.baseRoles ? [...g.baseRoles] : null,
      ...(g.groupId ? { group_id: g.groupId } : {}),
      ...(g.ssoGroup ? { sso_group: g.ssoGroup } : {}),
    },
  });
  return { status: "pending", grant_id: row.id };
}

async function loadPending(tx: Tx, grantId: string): Promise<UserGrant> {
  const g = await tx.userGrant.findUnique({ where: { id: grantId } });
  if (!g) throw new AppError("not_found", "No such grant request.");
  if (g.status !== "pending") throw new AppError("conflict", `This grant request was already ${g.status}.`, { reason: "already_decided" });
  return g;
}

/** Enabled admins of every tenant and environment: the last one is protected like the last admin. */
async function enabledAdminCount(tx: Tx): Promise<number> {
  const users = await tx.user.findMany({ where: { disabled: false }, select: { roles: true, scopes: true, roleScopes: true } });
  // The admin role's own scopes (per-role): an admin for everything whose admin role is narrowed is no longer unrestricted.
  return users.filter((u) => isUnrestricted({ scopes: scopesFor(roleScopedRow({ ...u, roles: parseRoles(u.roles) }), "admin") })).length;
}

/** Apply an approved grant to the account; returns the account's id. */
async function applyGrant(tx: Tx, g: UserGrant): Promise<User> {
  const roles = g.roles;
  if (g.kind === "create") {
    if (!g.passwordHash) throw new AppError("conflict", "This grant request is incomplete.");
    return tx.user.create({
      data: { email: g.email, name: g.name ?? g.email.split("@")[0]!, roles, scopes: g.scopes ?? "*", passwordHash: g.passwordHash, passwordSetBy: g.requestedById },
    });
  }
  const u = g.userId ? await tx.user.findUnique({ where: { id: g.userId } }) : null;
  if (!u) throw new AppError("conflict", "The account this request was for no longer exists.", { reason: "changed_since_request" });
  if (g.baseRoles !== null && parseRoles(u.roles).join(",") !== parseRoles(g.baseRoles).join(",")) {
    throw new AppError("conflict", "The account's roles changed since this request; ask again.", { reason: "changed_since_request" });
  }
  if (g.kind === "group") {
    const group = g.groupId ? await tx.reviewerGroup.findUnique({ where: { id: g.groupId } }) : null;
    if (!group) throw new AppError("conflict", "The reviewer group this request was for no longer exists.", { reason: "changed_since_request" });
    if (u.disabled) throw new AppError("conflict", "The account is disabled; re-enable it first.", { reason: "changed_since_request" });
    await tx.reviewerGroupMember.upsert({ where: { groupId_userId: { groupId: group.id, userId: u.id } }, create: { groupId: group.id, userId: u.id, grantId: g.id }, update: {} });
    return u;
  }
  return tx.user.update({
    where: { id: u.id },
    data: {
      ...(g.kind === "roles" || g.kind === "enable" ? { roles } : {}),
      ...((g.kind === "roles" || g.kind === "enable") && g.scopes !== null ? { scopes: g.scopes } : {}),
      ...((g.kind === "roles" || g.kind === "enable") && g.roleScopes !== null ? { roleScopes: g.roleScopes || null } : {}),
      ...(g.kind === "enable" ? { disabled: false } : {}),
      // The requester chose the password: tied to the account until its user sets their own.
      ...(g.kind === "password" && g.passwordHash ? { passwordHash: g.passwordHash, passwordSetBy: g.requestedById === u.id ? null : g.requestedById } : {}),
      ...(g.name ? { name: g.name } : {}),
      sessionEpoch: { increment: 1 },
    },
  });
}

const EFFECT_EVENT: Record<GrantKind, string> = {
  create: "user.created",
  roles: "user.updated",
  enable: "user.updated",
  password: "user.password_reset",
  group: "reviewer_group.member_added",
  sso_mapping: "sso.mapping_changed",
};

/**
 * A second admin approves a pending grant; it takes effect in the same
 * transaction. Refused (403) for the requester, for the account concerned,
 * for someone the requester elevated recently, and for any channel but a
 * console session; 409 once decided, or when the account changed meanwhile.
 */
export async function approveGrant(grantId: string, ctx: Ctx & { channel: ApprovalChannel }): Promise<{ status: "approved"; user_id: string }> {
  try {
    return await db().$transaction(async (tx) => {
      await requireAdminInTx(tx, ctx.actorId);
      const g = await loadPending(tx, grantId);
      if (g.userId === ctx.actorId) {
        throw new AppError("forbidden", "A grant for your own account needs another admin.", { reason: "own_account" });
      }
      await requireSecondPerson(tx, {
        firsts: [g.requestedById],
        second: ctx.actorId,
        channel: ctx.channel,
        sameMessage: "You requested this grant; a second admin must approve it.",
      });
      const requester = await tx.user.findUnique({ where: { id: g.requestedById } });
      if (!requester || requester.disabled || !parseRoles(requester.roles).includes("admin")) {
        throw new AppError("conflict", "The admin who asked for this is no longer an admin; it cannot be approved.", { reason: "requester_not_admin" });
      }
      const now = new Date();
      if (g.kind === "sso_mapping") {
        await applySsoMappingGrant(tx, g);
        const took = await tx.userGrant.updateMany({ where: { id: g.id, status: "pending" }, data: { status: "approved", decidedById: ctx.actorId, decidedAt: now } });
        if (took.count !== 1) throw new AppError("conflict", "This grant request was decided by someone else.", { reason: "already_decided" });
        const base = { actorType: "user" as const, actorId: ctx.actorId, requestId: ctx.requestId ?? null };
        const data = { grant_id: g.id, kind: g.kind, group: g.ssoGroup, roles: parseRoles(g.roles), scopes: g.scopes, requested_by: g.requestedById };
        await appendAudit(tx, { ...base, type: "user.grant_approved", status: "approved", data }, { ...base, type: EFFECT_EVENT.sso_mapping, status: "ok", data });
        return { status: "approved" as const, user_id: "" };
      }
      const u = await applyGrant(tx, g);
      // Conditional on still pending: two approvers at once make exactly one transition.
      const took = await tx.userGrant.updateMany({ where: { id: g.id, status: "pending" }, data: { status: "approved", decidedById: ctx.actorId, decidedAt: now, userId: u.id } });
      if (took.count !== 1) throw new AppError("conflict", "This grant request was decided by someone else.", { reason: "already_decided" });
      const base = { actorType: "user" as const, actorId: ctx.actorId, requestId: ctx.requestId ?? null };
      await appendAudit(tx, {
        ...base,
        type: "user.grant_approved",
        status: "approved",
        data: {
          grant_id: g.id,
          kind: g.kind,
          user_id: u.id,
          email: u.email,
          roles: parseRoles(g.roles),
          scopes: g.scopes,
          role_scopes: g.roleScopes,
          requested_by: g.requestedById,
        },
      });
      await appendAudit(tx, {
        ...base,
        type: EFFECT_EVENT[g.kind as GrantKind] ?? "user.updated",
        data: {
          user_id: u.id,
          email: u.email,
          roles: parseRoles(u.roles),
          scopes: u.scopes,
          grant_id: g.id,
          requested_by: g.requestedById,
          ...(g.groupId ? { group_id: g.groupId } : {}),
        },
      });
      if ((await enabledAdminCount(tx)) < 1) {
        throw new AppError("conflict", "This would leave no enabled admin; make someone else an admin first.", { reason: "last_admin" });
      }
      return { status: "approved" as const, user_id: u.id };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError("conflict", "A user with this e-mail already exists.");
    throw err;
  }
}

/** Reject (or, for its requester, withdraw) a pending grant; nothing about the account changes. */
export async function rejectGrant(grantId: string, reason: string | undefined, ctx: Ctx): Promise<void> {
  await db().$transaction(async (tx) => {
    await requireAdminInTx(tx, ctx.actorId);
    const g = await loadPending(tx, grantId);
    const took = await tx.userGrant.updateMany({
      where: { id: g.id, status: "pending" },
      data: { status: "rejected", decidedById: ctx.actorId, decidedAt: new Date(), reason: reason?.trim().slice(0, 1000) || null },
    });
    if (took.count !== 1) throw new AppError("conflict", "This grant request was decided by someone else.", { reason: "already_decided" });
    await appendAudit(tx, {
      type: "user.grant_rejected",
      ...userActor(ctx),

      status: "rejected",
      reason: reason?.trim().slice(0, 1000) || null,
      data: { grant_id: g.id, kind: g.kind, user_id: g.userId, email: g.email, requested_by: g.requestedById, withdrawn: g.requestedById === ctx.actorId },
    });
  });
}

/** Grants waiting for a second admin, oldest first (never password hashes). */
export async function listPendingGrants(): Promise<GrantView[]> {
  const rows = await db().userGrant.findMany({ where: { status: "pending" }, orderBy: { requestedAt: "asc" } });
  const requesters = await db().user.findMany({ where: { id: { in: [...new Set(rows.map((r) => r.requestedById))] } }, select: { id: true, email: true } });
  const emailOf = new Map(requesters.map((u) => [u.id, u.email]));
  const groupIds = [...new Set(rows.map((r) => r.groupId).filter((x): x is string => !!x))];
  const groups = groupIds.length ? await db().reviewerGroup.findMany({ where: { id: { in: groupIds } }, select: { id: true, name: true } }) : [];
  const groupName = new Map(groups.map((x) => [x.id, x.name]));
  return rows.map((g) => ({
    id: g.id,
    kind: g.kind as GrantKind,
    userId: g.userId,
    email: g.email,
    name: g.name,
    roles: parseRoles(g.roles),
    scopes: g.scopes,
    roleScopes: g.roleScopes,
    ssoGroup: g.ssoGroup,
    baseRoles: g.baseRoles === null ? null : parseRoles(g.baseRoles),
    groupId: g.groupId,
    groupName: g.groupId ? (groupName.get(g.groupId) ?? null) : null,
    requestedById: g.requestedById,
    requestedByEmail: emailOf.get(g.requestedById) ?? null,
    requestedAt: g.requestedAt.toISOString(),
  }));
}

export const rejectGrantInput = z.strictObject({ reason: z.string().max(1000).optional() });

/** For approveGrant: apply an approved sso_mapping grant (refused when the mapping changed since the request). */
async function applySsoMappingGrant(tx: Tx, g: { ssoGroup: string | null; roles: string; scopes: string | null; baseRoles: string | null }): Promise<void> {
  if (!g.ssoGroup) throw new AppError("conflict", "This grant request is incomplete.");
  const now = await tx.ssoGroupMapping.findUnique({ where: { group: g.ssoGroup } });
  if (parseRoles(now?.roles ?? "").join(",") !== parseRoles(g.baseRoles ?? "").join(",")) {
    throw new AppError("conflict", "The group's mapping changed since this request; ask again.", { reason: "changed_since_request" });
  }
  const scopes = g.scopes ?? "*";
  await tx.ssoGroupMapping.upsert({ where: { group: g.ssoGroup }, create: { group: g.ssoGroup, roles: g.roles, scopes }, update: { roles: g.roles, scopes } });
}
