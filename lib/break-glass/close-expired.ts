import "server-only";
import { db } from "@/lib/db/client";
import { sqlRead } from "@/lib/db/sql";
import { anyBreakGlassSessionExpired } from "@/lib/db/tables/break-glass-session";
import { endSessionTx } from "@/lib/break-glass/close-break-glass";

/**
 * The sweep: mark sessions past their expiry as ended and fire
 * `break_glass.closed`. The powers do not wait for it (each checks expiresAt
 * itself); this makes the record and the webhook. Returns how many it closed.
 */
export async function closeExpiredBreakGlass(now = new Date()): Promise<number> {
  // Every second, almost always nothing: one raw read first, the ORM only when something is due.
  if (!(await sqlRead((sql) => anyBreakGlassSessionExpired(sql, now)))) return 0;
  const due = await db().breakGlassSession.findMany({ where: { endedAt: null, expiresAt: { lte: now } }, select: { id: true, expiresAt: true }, take: 100 });
  let closed = 0;
  for (const s of due) {
    // Ended at its expiry, not at the moment the sweep happened to notice.
    if (await db().$transaction((tx) => endSessionTx(tx, s.id, { by: "expiry", now: s.expiresAt }))) closed++;
  }
  return closed;
}
