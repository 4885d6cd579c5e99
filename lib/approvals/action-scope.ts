import "server-only";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { scopeWhere, type Scoped } from "@/lib/auth/scopes";

/**
 * Every console write on one action (vote, extend, edit, and the edit read)
 * starts here: an id outside the viewer's scopes is refused exactly like an id
 * that does not exist (the same 404, the same message), before any other check
 * can tell them apart.
 */
export async function assertActionInScope(viewer: Scoped, actionId: string): Promise<void> {
  const a = await db().action.findFirst({ where: { AND: [{ id: actionId }, scopeWhere(viewer)] }, select: { id: true } });
  if (!a) throw new AppError("not_found", "No such action.");
}
