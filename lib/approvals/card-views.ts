import "server-only";
import { db } from "@/lib/db/client";
import { isUniqueViolation } from "@/lib/db/errors";

/**
 * Time on card, measured by the server: a card's first serve to a console
 * user (queue, card page, card API, CLI) is stored once per action and user;
 * the user's vote (Approval.createdAt, also the server's clock) minus that is
 * their time on card. Whatever the browser reports (Approval.timeOnCardMs) is
 * kept only as a second figure.
 */
export async function recordCardServed(actionId: string, userId: string, now = new Date()): Promise<void> {
  const seen = await db().cardView.findUnique({ where: { actionId_userId: { actionId, userId } }, select: { actionId: true } });
  if (seen) return;
  try {
    await db().cardView.create({ data: { actionId, userId, firstServedAt: now } });
  } catch (err) {
    // Two first serves at once: the earlier row stands.
    if (!isUniqueViolation(err)) throw err;
  }
}

const VIEW_CHUNK = 500;

/** Server-measured time on card per (action, user) of these approvals; null when the card was not served to them before the vote (a vote by token or chat). */
export async function serverTimesOnCard(approvals: readonly { actionId: string; userId: string; createdAt: Date }[]): Promise<Map<string, number | null>> {
  const out = new Map<string, number | null>();
  if (approvals.length === 0) return out;
  // By action id in bounded chunks (one OR term per vote would outgrow SQLite's expression depth on a busy log).
  const actionIds = [...new Set(approvals.map((a) => a.actionId))];
  const first = new Map<string, number>();
  for (let i = 0; i < actionIds.length; i += VIEW_CHUNK) {
    const views = await db().cardView.findMany({ where: { actionId: { in: actionIds.slice(i, i + VIEW_CHUNK) } }, select: { actionId: true, userId: true, firstServedAt: true } });
    for (const v of views) first.set(`${v.actionId}:${v.userId}`, v.firstServedAt.getTime());
  }
  for (const a of approvals) {
    const at = first.get(`${a.actionId}:${a.userId}`);
    // A card first served after the vote (the vote came from chat or a token) measured no time on card.
    out.set(`${a.actionId}:${a.userId}`, at === undefined || at > a.createdAt.getTime() ? null : a.createdAt.getTime() - at);
  }
  return out;
}
