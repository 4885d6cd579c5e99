import "server-only";
import type { Exec } from "@/lib/db/types";
import { approvedGrantPeople, findUserIdByEmail } from "@/lib/db/tables/vote";
import { AppError } from "@/lib/errors";
import type { Role } from "@/lib/auth/roles";
import { channelCounts } from "@/lib/actions/counting-votes";

/**
 * The one rule behind every two-person check (policy widening, catalog
 * widening, role grants, a destructive action's second approver, the
 * break-glass review): the second person must be a different human who was
 * not manufactured by the first. An account that a person elevated (asked
 * for, or approved, a grant of a counting role, or a password reset) within
 * ELEVATION_COOLDOWN_MS does not count as independent of that person, and
 * two accounts elevated by the same person within the window do not count as
 * independent of each other. Whoever chose an account's current password (an
 * admin who created it or reset it) is tied to it with no window, until its
 * user sets their own. Only a vote from a console session counts.
 */

/** How long an elevation ties an account to the people who elevated it: 24 hours. */
export const ELEVATION_COOLDOWN_MS = 24 * 60 * 60 * 1000;

/** Roles that make an account count toward a two-person rule; granting one needs a second admin. */
export const COUNTING_ROLES: readonly Role[] = ["admin", "reviewer", "oncall"];

/**
 * Where a vote or approval was cast. Only "console" (a signed-in browser
 * session, CSRF-checked) counts for a widening, a grant or a destructive
 * action; "api_token" and "chat" are reserved for the paths that will add
 * them and never count there.
 */
export type ApprovalChannel = "console" | "api_token" | "chat";

export { channelCounts } from "@/lib/actions/counting-votes";

export type IndependenceConflict = "same_person" | "not_independent" | "channel";

/** The people who elevated `userId` within the window: requesters and approvers of its approved grants. */
async function elevatorsOf(tx: Exec, userId: string, now: Date): Promise<Set<string>> {
  const since = new Date(now.getTime() - ELEVATION_COOLDOWN_MS);
  const grants = await approvedGrantPeople(tx, userId, since);
  const out = new Set<string>();
  for (const g of grants) {
    out.add(g.requestedById);
    if (g.decidedById) out.add(g.decidedById);
  }
  return out;
}

/**
 * Why `second` does not count as a person independent of each of `firsts`
 * (null when it does). Symmetric: either one having elevated the other
 * recently, or one person having elevated both, ties them.
 */
export async function independenceConflict(tx: Exec, input: { firsts: readonly string[]; second: string; channel?: string; now?: Date }): Promise<IndependenceConflict | null> {
  if (input.channel !== undefined && !channelCounts(input.channel)) return "channel";
  const firsts = [...new Set(input.firsts)];
  if (firsts.includes(input.second)) return "same_person";
  if (firsts.length === 0) return null;
  const now = input.now ?? new Date();
  const secondBy = await elevatorsOf(tx, input.second, now);
  for (const first of firsts) {
    if (secondBy.has(first)) return "not_independent";
    const firstBy = await elevatorsOf(tx, first, now);
    if (firstBy.has(input.second)) return "not_independent";
    for (const e of firstBy) if (secondBy.has(e)) return "not_independent";
  }
  return null;
}

const MESSAGES: Record<IndependenceConflict, string> = {
  same_person: "You made this request; a second person must approve it.",
  not_independent: "You cannot be the second person here: one of you elevated the other (or the same person elevated both) in the last 24 hours.",
  channel: "Only a vote from a signed-in console session counts here.",
};

/** The AppError (403) for a conflict, with its reason code. */
export function independenceError(conflict: IndependenceConflict, message?: string): AppError {
  return new AppError("forbidden", conflict === "same_person" && message ? message : MESSAGES[conflict], {
    reason: conflict === "same_person" ? "author_cannot_approve" : conflict,
  });
}

/** Throw 403 unless `second` counts as a second person independent of every one of `firsts`. */
export async function requireSecondPerson(
  tx: Exec,
  input: { firsts: readonly string[]; second: string; channel: ApprovalChannel; now?: Date; sameMessage?: string },
): Promise<void> {
  const conflict = await independenceConflict(tx, input);
  if (conflict) throw independenceError(conflict, input.sameMessage);
}

/**
 * Why `approverId` may not vote on an action (null when they may): tied by a
 * recent elevation to the action's `on_behalf_of` human or to an approver
 * before them, or — where the action needs two people — voting on a channel
 * that does not count. The `on_behalf_of` human themself is refused earlier.
 */
export async function approverConflict(
  tx: Exec,
  input: { approverId: string; onBehalfOf: string | null; priorApproverIds: readonly string[]; channel: string; needsTwo: boolean; now: Date },
): Promise<IndependenceConflict | null> {
  if (input.needsTwo && !channelCounts(input.channel)) return "channel";
  const human = input.onBehalfOf?.trim() ? await findUserIdByEmail(tx, input.onBehalfOf.trim().toLowerCase()) : null;
  const firsts = [...input.priorApproverIds, ...(human ? [human] : [])];
  return independenceConflict(tx, { firsts, second: input.approverId, now: input.now });
}
