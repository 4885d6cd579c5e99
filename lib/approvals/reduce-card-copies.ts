import "server-only";
import { db } from "@/lib/db/client";
import { sqlRead } from "@/lib/db/sql";
import { actionIdsWithCardCopy } from "@/lib/db/tables/action";
import { appendAudit } from "@/lib/audit/append";
import { actionAuditFields } from "@/lib/actions/action-audit";
import { env } from "@/lib/env";
import type { Action } from "@/lib/db/types";

/**
 * When an action reached its final state, as far as its card copy goes: the
 * reported result; for an approved or allowed call, the end of the window in
 * which it could still be executed (or its redemption); for the others, the
 * decision. Null while it is not final (pending).
 */
export function finalStateAt(a: Pick<Action, "status" | "decidedAt" | "resultAt" | "redeemedAt" | "approvalValidUntil" | "tokenExpiresAt" | "updatedAt">): Date | null {
  if (a.status === "pending") return null;
  if (a.resultAt) return a.resultAt;
  if (a.status === "approved" || a.status === "allowed") {
    if (a.redeemedAt) return a.redeemedAt;
    const until = [a.approvalValidUntil, a.tokenExpiresAt, a.decidedAt].filter((d): d is Date => d !== null).map((d) => d.getTime());
    return until.length ? new Date(Math.max(...until)) : a.updatedAt;
  }
  return a.decidedAt ?? a.updatedAt;
}

/** Reduce one action's card copy to the audit copy if its retention is over; true when it changed. */
export async function reduceCardCopyIfDue(actionId: string, now = new Date(), retentionMs = env().GATEHOUSE_CARD_COPY_RETENTION_SECONDS * 1000): Promise<boolean> {
  return db().$transaction(async (tx) => {
    const a = await tx.action.findUnique({ where: { id: actionId } });
    if (!a || a.cardReducedAt) return false;
    const final = finalStateAt(a);
    if (!final || final.getTime() + retentionMs > now.getTime()) return false;
    const changed = await tx.action.updateMany({ where: { id: a.id, cardReducedAt: null }, data: { argsCardSealed: null, cardReducedAt: now } });
    if (changed.count !== 1) return false;
    if (a.argsCardSealed) {
      await appendAudit(tx, {
        type: "action.card_copy_reduced",
        actorType: "system",
        ...actionAuditFields(a),
        status: a.status,
        data: { final_state_at: final.toISOString(), retention_seconds: Math.round(retentionMs / 1000) },
      });
    }
    return true;
  });
}

/** Sweep: reduce every card copy whose retention is over. Returns how many changed. */
export async function reduceDueCardCopies(limit = 500, now = new Date()): Promise<number> {
  const retentionMs = env().GATEHOUSE_CARD_COPY_RETENTION_SECONDS * 1000;
  // Only rows whose final state is past the retention (finalStateAt in SQL): the raw read uses the (cardReducedAt, createdAt)
  // index, and old actions that finished late never fill the batch ahead of due ones (test/card-copy-sweep).
  const ids = await sqlRead((sql) => actionIdsWithCardCopy(sql, new Date(now.getTime() - retentionMs), limit));
  let n = 0;
  for (const id of ids) if (await reduceCardCopyIfDue(id, now, retentionMs)) n++;
  return n;
}
