import "server-only";
import type { Tx } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { parseRoles } from "@/lib/auth/roles";

/** The acting user must be an enabled admin now, re-read inside the transaction (not trusted from the session). */
export async function requireAdminInTx(tx: Tx, userId: string): Promise<void> {
  const u = await tx.user.findUnique({ where: { id: userId } });
  if (!u || u.disabled || !parseRoles(u.roles).includes("admin")) throw new AppError("forbidden", "Only an admin can do this.");
}
