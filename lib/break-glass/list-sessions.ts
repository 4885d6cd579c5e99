import "server-only";
import { db } from "@/lib/db/client";
import { isOpen } from "@/lib/break-glass/session-rules";

export type BreakGlassView = {
  id: string;
  user_id: string;
  user_email: string;
  reason: string;
  started_at: string;
  expires_at: string;
  ended_at: string | null;
  open: boolean;
  review: { by_email: string; at: string; note: string | null } | null;
};

type Row = {
  id: string;
  userId: string;
  reason: string;
  startedAt: Date;
  expiresAt: Date;
  endedAt: Date | null;
  reviewById: string | null;
  reviewAt: Date | null;
  reviewNote: string | null;
};

async function toViews(rows: Row[], now: Date): Promise<BreakGlassView[]> {
  const ids = [...new Set(rows.flatMap((r) => [r.userId, ...(r.reviewById ? [r.reviewById] : [])]))];
  const users = ids.length ? await db().user.findMany({ where: { id: { in: ids } }, select: { id: true, email: true } }) : [];
  const email = new Map(users.map((u) => [u.id, u.email]));
  return rows.map((r) => ({
    id: r.id,
    user_id: r.userId,
    user_email: email.get(r.userId) ?? r.userId,
    reason: r.reason,
    started_at: r.startedAt.toISOString(),
    expires_at: r.expiresAt.toISOString(),
    ended_at: r.endedAt?.toISOString() ?? (r.expiresAt <= now ? r.expiresAt.toISOString() : null),
    open: isOpen(r, now),
    review: r.reviewById && r.reviewAt ? { by_email: email.get(r.reviewById) ?? r.reviewById, at: r.reviewAt.toISOString(), note: r.reviewNote } : null,
  }));
}

/** What the red banner (and the on-call's own panel) shows of an open session. */
export type BreakGlassBannerView = Pick<BreakGlassView, "id" | "user_id" | "user_email" | "reason" | "started_at" | "expires_at">;

/**
 * Sessions open right now, for the banner every signed-in user sees on every console page, whatever their
 * tenant scopes (a session is not bound to a tenant). Only the banner's facts. Expiry is read from the row, not from the sweep.
 */
export async function listActiveBreakGlass(now = new Date()): Promise<BreakGlassBannerView[]> {
  const rows = await db().breakGlassSession.findMany({ where: { endedAt: null, expiresAt: { gt: now } }, orderBy: { startedAt: "asc" } });
  return (await toViews(rows, now)).map((v) => ({
    id: v.id,
    user_id: v.user_id,
    user_email: v.user_email,
    reason: v.reason,
    started_at: v.started_at,
    expires_at: v.expires_at,
  }));
}

/** Recent sessions, newest first (the break-glass page and the reviews list). */
export async function listRecentBreakGlass(limit = 50, now = new Date()): Promise<BreakGlassView[]> {
  const rows = await db().breakGlassSession.findMany({ orderBy: { startedAt: "desc" }, take: limit });
  return toViews(rows, now);
}

/** One session, or null. */
export async function getBreakGlass(id: string, now = new Date()): Promise<BreakGlassView | null> {
  const row = await db().breakGlassSession.findUnique({ where: { id } });
  return row ? ((await toViews([row], now))[0] ?? null) : null;
}
