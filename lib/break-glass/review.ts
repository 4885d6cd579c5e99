import "server-only";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { AppError, ok, refusal, settle, type Outcome } from "@/lib/errors";
import { appendAudit } from "@/lib/audit/append";
import { toAuditView, type AuditView } from "@/lib/audit/query";
import { getBreakGlass, type BreakGlassView } from "@/lib/break-glass/list-sessions";
import { isOpen } from "@/lib/break-glass/session-rules";
import { independenceConflict, independenceError } from "@/lib/users/two-person";

/** Acts listed in one review (a session of at most an hour stays far below this); past it, the review links the audit log for all. */
export const REVIEW_MAX_EVENTS = 5_000;

/** One action approved or minted under the session, with its (redacted, audit-copy) arguments. */
export type ReviewedAction = { id: string; tool: string; summary: string; args: string; status: string };

export type BreakGlassReview = {
  session: BreakGlassView;
  events: AuditView[];
  /** True when more events than the review lists were tagged with the session; `eventsTotal` counts them all. */
  truncated: boolean;
  eventsTotal: number;
  /** Display names of the events' actors (users by name, agents by credential name), keyed by actor id. */
  actors: Record<string, string>;
  actions: ReviewedAction[];
};

/**
 * The post-incident review: the session, the audit events tagged with it in order (the first `max`), who acted (by name) and
 * every action approved or minted under it, with its arguments — all of them, however many events there were.
 */
export async function getBreakGlassReview(sessionId: string, max = REVIEW_MAX_EVENTS): Promise<BreakGlassReview | null> {
  const session = await getBreakGlass(sessionId);
  if (!session) return null;
  const tagged = { breakGlassSessionId: sessionId };
  const [rows, eventsTotal, acted] = await Promise.all([
    db().auditEvent.findMany({ where: tagged, orderBy: { seq: "asc" }, take: max + 1 }),
    db().auditEvent.count({ where: tagged }),
    // Every action of the session, not only those among the events listed: the reviewer acknowledges all of them.
    db().auditEvent.groupBy({ by: ["actionId"], where: { ...tagged, actionId: { not: null } } }),
  ]);
  const kept = rows.slice(0, max);
  const userIds = [...new Set(kept.filter((e) => e.actorType === "user" && e.actorId).map((e) => e.actorId!))];
  const agentIds = [...new Set(kept.filter((e) => e.actorType === "agent" && e.actorId).map((e) => e.actorId!))];
  const actionIds = acted.map((g) => g.actionId).filter((id): id is string => !!id);
  const [users, agents, actions] = await Promise.all([
    userIds.length ? db().user.findMany({ where: { id: { in: userIds } }, select: { id: true, name: true, email: true } }) : [],
    agentIds.length ? db().agentCredential.findMany({ where: { id: { in: agentIds } }, select: { id: true, name: true } }) : [],
    actionIds.length ? db().action.findMany({ where: { id: { in: actionIds } }, select: { id: true, tool: true, summary: true, argsDisplay: true, status: true } }) : [],
  ]);
  const actors: Record<string, string> = {};
  for (const u of users) actors[u.id] = u.name || u.email;
  for (const a of agents) actors[a.id] = a.name;
  return {
    session,
    events: kept.map(toAuditView),
    truncated: rows.length > max,
    eventsTotal,
    actors,
    actions: actions.map((a) => ({ id: a.id, tool: a.tool, summary: a.summary, args: a.argsDisplay, status: a.status })),
  };
}

export const acknowledgeReviewInput = z.strictObject({ note: z.string().trim().max(2000).optional() });

/**
 * Acknowledge a finished session's review. Someone independent of the
 * on-call who held it (not them, not tied to them by a recent elevation),
 * once, and only after it has ended.
 */
export async function acknowledgeBreakGlassReview(sessionId: string, userId: string, body: unknown, ctx: { requestId?: string } = {}): Promise<void> {
  const parsed = acknowledgeReviewInput.safeParse(body ?? {});
  if (!parsed.success)
    throw new AppError("validation_failed", "Invalid review note.", { issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) });
  const note = parsed.data.note || null;
  const outcome = await db().$transaction(async (tx): Promise<Outcome<void>> => {
    const now = new Date();
    const s = await tx.breakGlassSession.findUnique({ where: { id: sessionId } });
    if (!s) return refusal(new AppError("not_found", "No such break-glass session."));
    // The second person is independent of the on-call who held it (lib/users/two-person.ts), on a console session.
    const conflict = await independenceConflict(tx, { firsts: [s.userId], second: userId, channel: "console", now });
    if (conflict) {
      const reason = conflict === "same_person" ? "own_session" : conflict;
      // Returned, not thrown: the refusal's audit event must commit.
      await appendAudit(tx, {
        type: "break_glass.review_refused",
        actorType: "user",
        actorId: userId,
        requestId: ctx.requestId,
        breakGlassSessionId: s.id,
        status: "refused",
        reason,
      });
      return refusal(
        conflict === "same_person"
          ? new AppError("forbidden", "Someone else must acknowledge the review of your own break-glass session.", { reason: "own_session" })
          : independenceError(conflict),
      );
    }
    if (isOpen(s, now)) return refusal(new AppError("conflict", "The session is still open; review it after it ends.", { reason: "still_open" }));
    const changed = await tx.breakGlassSession.updateMany({ where: { id: s.id, reviewById: null }, data: { reviewById: userId, reviewAt: now, reviewNote: note } });
    if (changed.count !== 1) return refusal(new AppError("conflict", "This review was already acknowledged.", { reason: "already_reviewed" }));
    await appendAudit(tx, {
      type: "break_glass.reviewed",
      actorType: "user",
      actorId: userId,
      requestId: ctx.requestId,
      breakGlassSessionId: s.id,
      status: "acknowledged",
      reason: note,
    });
    return ok(undefined);
  });
  settle(outcome);
}
