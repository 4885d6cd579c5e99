import "server-only";
import { z } from "zod";
import type { Tx } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { parseRoles } from "@/lib/auth/roles";

/** Durations are whole minutes: 15 by default, never more than 60 (enforced here, on the server). */
export const BREAK_GLASS_DEFAULT_MINUTES = 15;
export const BREAK_GLASS_MIN_MINUTES = 1;
export const BREAK_GLASS_MAX_MINUTES = 60;

export const openBreakGlassInput = z.strictObject({
  password: z.string().min(1, "Re-enter your password.").max(1024),
  reason: z.string().trim().min(3, "Say why (at least 3 characters).").max(1000),
  duration_minutes: z.number().int().min(BREAK_GLASS_MIN_MINUTES).max(BREAK_GLASS_MAX_MINUTES).default(BREAK_GLASS_DEFAULT_MINUTES),
});
export type OpenBreakGlassInput = z.infer<typeof openBreakGlassInput>;

export type BreakGlassRow = { id: string; userId: string; reason: string; startedAt: Date; expiresAt: Date; endedAt: Date | null };

/** Open = not ended by hand or by the sweep, and not past its expiry (whether or not the sweep has run yet). */
export function isOpen(s: { endedAt: Date | null; expiresAt: Date }, now: Date): boolean {
  return s.endedAt === null && s.expiresAt > now;
}

/**
 * Every break-glass power starts here, inside its transaction: the session
 * exists, belongs to this user, is open now, and the user still holds the
 * on-call role (re-read, so a removed role ends the powers at once).
 */
export async function requireOpenSession(tx: Tx, sessionId: string, userId: string, now = new Date()): Promise<BreakGlassRow> {
  const s = await tx.breakGlassSession.findUnique({ where: { id: sessionId } });
  if (!s || s.userId !== userId || !isOpen(s, now)) {
    throw new AppError("forbidden", "That break-glass session is not open for you.", { reason: "break_glass_not_open" });
  }
  const user = await tx.user.findUnique({ where: { id: userId } });
  if (!user || user.disabled || !parseRoles(user.roles).includes("oncall")) {
    throw new AppError("forbidden", "Break-glass needs the on-call role.", { reason: "not_oncall" });
  }
  return s;
}
