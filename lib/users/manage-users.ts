import "server-only";
import { db } from "@/lib/db/client";
import type { Tx } from "@/lib/db/types";
import { AppError } from "@/lib/errors";
import { appendAudit, userActor } from "@/lib/audit/append";
import { hashPassword } from "@/lib/auth/password";
import { parseRoles } from "@/lib/auth/roles";
import { formatRoleScopes, formatScopes, isUnrestricted, parseRoleScopes, parseRoleScopesStrict, parseScopes, roleScopedRow, scopesFor, widensRoleScopes } from "@/lib/auth/scopes";
import { ROLES } from "@/lib/auth/roles";
import type { CreateUserInput, UpdateUserInput } from "@/lib/users/user-input";
import { isUniqueViolation } from "@/lib/db/errors";
import { addedCountingRoles, countsTowardTwoPerson, requestGrant } from "@/lib/users/grants";

/** `roleScopes`: per-role overrides of `scopes` (`reviewer=acme/prod;admin=*`), null when every role uses `scopes`. */
export type UserRow = {
  id: string;
  email: string;
  name: string;
  roles: string[];
  scopes: string;
  roleScopes: string | null;
  disabled: boolean;
  lastSignInAt: string | null;
  createdAt: string;
};

type Ctx = { actorId: string; requestId?: string | null };

/** What a user change did: applied at once, or stored as a grant request for a second admin (lib/users/grants.ts). */
export type UserChange = { status: "applied" } | { status: "pending"; grant_id: string };

/** Enabled admins of every tenant and environment (unrestricted scopes), counted inside the caller's transaction. */
async function enabledAdmins(tx: Tx): Promise<number> {
  const users = await tx.user.findMany({ where: { disabled: false }, select: { roles: true, scopes: true, roleScopes: true } });
  // The admin role's own scopes (per-role): an admin for everything whose admin role is narrowed is no longer unrestricted.
  return users.filter((u) => isUnrestricted({ scopes: scopesFor(roleScopedRow({ ...u, roles: parseRoles(u.roles) }), "admin") })).length;
}

/**
 * Refuse, inside the transaction that made the change, if no enabled admin is
 * left. Callers append their audit event first: that locks the audit head
 * row, so two concurrent demotions run one after the other and the second
 * sees the first (Postgres READ COMMITTED re-reads per statement; SQLite has
 * one writer).
 */
async function keepOneAdmin(tx: Tx, removing = 0): Promise<void> {
  if ((await enabledAdmins(tx)) - removing < 1) {
    throw new AppError("conflict", "This would leave no enabled admin of every tenant; make someone else one first.", { reason: "last_admin" });
  }
}

/** Console users for the admin page (never password hashes). */
export async function listUsers(): Promise<UserRow[]> {
  const users = await db().user.findMany({ orderBy: { email: "asc" } });
  return users.map((u) => ({
    id: u.id,
    email: u.email,
    name: u.name,
    roles: parseRoles(u.roles),
    scopes: u.scopes,
    roleScopes: u.roleScopes,
    disabled: u.disabled,
    lastSignInAt: u.lastSignInAt?.toISOString() ?? null,
    createdAt: u.createdAt.toISOString(),
  }));
}

/**
 * Create a console user with an argon2id password hash. A user holding a role
 * that counts toward a two-person rule (admin, reviewer, on-call) is only
 * requested: it exists once a second admin approves the grant.
 */
export async function createUser(input: CreateUserInput, ctx: Ctx): Promise<{ status: "created"; id: string } | { status: "pending"; grant_id: string }> {
  const passwordHash = await hashPassword(input.password);
  const scopes = formatScopes(parseScopes((input.scopes ?? ["*"]).join(",")));
  try {
    return await db().$transaction(async (tx) => {
      if (countsTowardTwoPerson(input.roles)) {
        if (await tx.user.findUnique({ where: { email: input.email } })) throw new AppError("conflict", "A user with this e-mail already exists.");
        return requestGrant(tx, { kind: "create", userId: null, email: input.email, name: input.name, roles: input.roles, scopes, passwordHash }, ctx);
      }
      const u = await tx.user.create({ data: { email: input.email, name: input.name, roles: input.roles.join(","), scopes, passwordHash, passwordSetBy: ctx.actorId } });
      await appendAudit(tx, {
        type: "user.created",
        ...userActor(ctx),

        data: { user_id: u.id, email: u.email, roles: input.roles, scopes },
      });
      return { status: "created" as const, id: u.id };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError("conflict", "A user with this e-mail already exists.");
    throw err;
  }
}

/**
 * Change roles, name or disabled (ending the user's sessions); the last
 * enabled admin cannot be disabled or demoted. Adding a counting role,
 * widening the scopes of an account that holds one, or re-enabling one, is a
 * grant request for a second admin instead; removing roles, narrowing scopes
 * and disabling apply at once. The last enabled admin of every tenant cannot
 * be narrowed to some.
 */
export async function updateUser(userId: string, input: UpdateUserInput, ctx: Ctx): Promise<UserChange> {
  return db().$transaction(async (tx): Promise<UserChange> => {
    const u = await tx.user.findUnique({ where: { id: userId } });
    if (!u) throw new AppError("not_found", "No such user.");
    const before = parseRoles(u.roles);
    const after = input.roles ?? before;
    const enabling = u.disabled && input.disabled === false;
    const scopesBefore = parseScopes(u.scopes);
    const scopesAfter = input.scopes ? parseScopes(input.scopes.join(",")) : scopesBefore;
    const newScopes = input.scopes ? formatScopes(scopesAfter) : null;
    // Per-role scopes: "" clears the overrides, undefined keeps them. Widening any kept role's scopes is a grant.
    const newRoleScopes = input.role_scopes !== undefined ? (formatRoleScopes(parseRoleScopesStrict(input.role_scopes, ROLES) ?? {}) ?? "") : null;
    const rsBefore = roleScopedRow({ roles: before, scopes: u.scopes, roleScopes: u.roleScopes });
    const rsAfter = { roles: after, scopes: scopesAfter, roleScopes: newRoleScopes !== null ? parseRoleScopes(newRoleScopes) : rsBefore.roleScopes };
    const widening =
      countsTowardTwoPerson(after) &&
      widensRoleScopes(
        rsBefore,
        rsAfter,
        after.filter((r) => before.includes(r)),
      );
    if (addedCountingRoles(before, after).length || widening || (enabling && countsTowardTwoPerson(after))) {
      // Refused now rather than at approval when it would demote the last enabled admin.
      const demoting =
        (before.includes("admin") && !after.includes("admin")) ||
        (isUnrestricted({ scopes: scopesFor(rsBefore, "admin") }) && !isUnrestricted({ scopes: scopesFor(rsAfter, "admin") }));
      if (!u.disabled && before.includes("admin") && demoting && (await enabledAdmins(tx)) <= 1) await keepOneAdmin(tx, 1);
      return requestGrant(
        tx,
        {
          kind: enabling ? "enable" : "roles",
          userId: u.id,
          email: u.email,
          name: input.name ?? null,
          roles: after,
          baseRoles: before,
          scopes: newScopes,
          roleScopes: newRoleScopes,
        },
        ctx,
      );
    }
    await appendAudit(tx, {
      type: "user.updated",
      ...userActor(ctx),

      data: {
        user_id: u.id,
        email: u.email,
        before: { roles: parseRoles(u.roles), scopes: u.scopes, role_scopes: u.roleScopes, disabled: u.disabled },
        after: { ...input, ...(newScopes ? { scopes: newScopes } : {}), ...(newRoleScopes !== null ? { role_scopes: newRoleScopes } : {}) },
      },
    });
    await tx.user.update({
      where: { id: userId },
      data: {
        ...(input.roles ? { roles: input.roles.join(",") } : {}),
        ...(newScopes ? { scopes: newScopes } : {}),
        ...(newRoleScopes !== null ? { roleScopes: newRoleScopes || null } : {}),
        ...(input.disabled !== undefined ? { disabled: input.disabled } : {}),
        ...(input.name ? { name: input.name } : {}),
        // Any change to the account ends its existing sessions (lib/auth/session.ts compares the epoch).
        sessionEpoch: { increment: 1 },
      },
    });
    await keepOneAdmin(tx);
    return { status: "applied" };
  });
}

/**
 * Set a new password (argon2id); the user's existing sessions end. Another
 * account holding a counting role is only requested: whoever sets its
 * password controls it, so a second admin must approve.
 */
export async function resetPassword(userId: string, password: string, ctx: Ctx): Promise<UserChange> {
  const passwordHash = await hashPassword(password);
  return db().$transaction(async (tx): Promise<UserChange> => {
    const u = await tx.user.findUnique({ where: { id: userId } });
    if (!u) throw new AppError("not_found", "No such user.");
    const roles = parseRoles(u.roles);
    if (u.id !== ctx.actorId && countsTowardTwoPerson(roles)) {
      return requestGrant(tx, { kind: "password", userId: u.id, email: u.email, roles, passwordHash }, ctx);
    }
    // Whoever chose it knows it: tied to the account until its user sets their own (lib/users/two-person.ts).
    await tx.user.update({ where: { id: userId }, data: { passwordHash, passwordSetBy: u.id === ctx.actorId ? null : ctx.actorId, sessionEpoch: { increment: 1 } } });
    await appendAudit(tx, { type: "user.password_reset", ...userActor(ctx), data: { user_id: u.id, email: u.email } });
    return { status: "applied" };
  });
}

/** Remove a user; never the last enabled admin. Their audit history stays. */
export async function deleteUser(userId: string, ctx: Ctx): Promise<void> {
  await db().$transaction(async (tx) => {
    const u = await tx.user.findUnique({ where: { id: userId } });
    if (!u) throw new AppError("not_found", "No such user.");
    await appendAudit(tx, { type: "user.deleted", ...userActor(ctx), data: { user_id: u.id, email: u.email } });
    await tx.user.delete({ where: { id: userId } });
    await keepOneAdmin(tx);
  });
}
