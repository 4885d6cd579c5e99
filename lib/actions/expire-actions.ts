import { db } from "@/lib/db/client";
import { finishAction } from "@/lib/actions/finish-action";
import { notifyActionChanged } from "@/lib/events/action-events";

/** Expire one pending action whose TTL has passed. Expired is final, never "approved". */
export async function expireIfDue(actionId: string): Promise<boolean> {
  const changed = await db().$transaction(async (tx) => {
    const action = await tx.action.findUnique({ where: { id: actionId } });
    if (!action || action.status !== "pending" || !action.expiresAt || action.expiresAt > new Date()) return false;
    return finishAction(tx, action, "expired", { reason: "expired", actorType: "system" });
  });
  if (changed) notifyActionChanged(actionId);
  return changed;
}

/** Sweep: expire every pending action past its TTL. Returns how many changed. */
export async function expireDueActions(limit = 200): Promise<number> {
  const due = await db().action.findMany({
    where: { status: "pending", expiresAt: { lte: new Date() } },
    select: { id: true },
    take: limit,
  });
  let n = 0;
  for (const { id } of due) if (await expireIfDue(id)) n++;
  return n;
}
