import "server-only";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { appendAudit } from "@/lib/audit/append";
import { hashPassword } from "@/lib/auth/password";
import { parseRoles } from "@/lib/auth/roles";
import { createUserInput } from "@/lib/users/user-input";

/** The host-side path makes admins only while fewer than this many are enabled; past it, grants need a second admin. */
export const BOOTSTRAP_ADMINS = 2;

/**
 * Make (or restore) an admin from the host (`npm run admin:bootstrap`), for a
 * fresh production install or an install left with one admin. Two-person
 * grants need two existing admins, so the first two come from here; once two
 * are enabled this refuses and the console's grant flow is the only way.
 * Whoever runs it holds the host, which the threat model already trusts.
 */
export async function bootstrapAdmin(input: { email: string; name: string; password: string }): Promise<{ id: string; created: boolean }> {
  const parsed = createUserInput.parse({ ...input, roles: ["admin"] });
  const passwordHash = await hashPassword(parsed.password);
  return db().$transaction(async (tx) => {
    const users = await tx.user.findMany({ where: { disabled: false }, select: { roles: true } });
    const admins = users.filter((u) => parseRoles(u.roles).includes("admin")).length;
    if (admins >= BOOTSTRAP_ADMINS) {
      throw new AppError("conflict", `There are already ${admins} enabled admins; grant admin in the console (a second admin approves it).`);
    }
    const existing = await tx.user.findUnique({ where: { email: parsed.email } });
    const roles = [...new Set([...(existing ? parseRoles(existing.roles) : []), "admin"])].join(",");
    const u = existing
      ? await tx.user.update({ where: { id: existing.id }, data: { roles, disabled: false, passwordHash, passwordSetBy: null, sessionEpoch: { increment: 1 } } })
      : await tx.user.create({ data: { email: parsed.email, name: parsed.name, roles, passwordHash } });
    await appendAudit(tx, {
      type: existing ? "user.updated" : "user.created",
      actorType: "system",
      actorId: null,
      status: "bootstrap",
      data: { user_id: u.id, email: u.email, roles: parseRoles(u.roles), via: "admin:bootstrap" },
    });
    return { id: u.id, created: !existing };
  });
}
