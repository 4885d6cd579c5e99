import "server-only";
import { db } from "@/lib/db/client";
import { sqlRead } from "@/lib/db/sql";
import { pendingActionIdsExpiredBy } from "@/lib/db/tables/action";
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
  // Every second on every instance, usually finding nothing: a raw read on the read
  // connection over the (status, expiresAt) index, not an ORM query (1–5 ms each here).
  const due = await sqlRead((sql) => pendingActionIdsExpiredBy(sql, new Date(), limit));
  let n = 0;
  for (const id of due) if (await expireIfDue(id)) n++;
  return n;
}
