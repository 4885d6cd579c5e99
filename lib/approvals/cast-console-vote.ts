import "server-only";
import { db } from "@/lib/db/client";
import { sqlRead } from "@/lib/db/sql";
import { actionVoteGate } from "@/lib/db/tables/vote";
import { AppError } from "@/lib/errors";
import { verifyPassword } from "@/lib/auth/password";
import { takeAttempt, clearFailures } from "@/lib/auth/rate-limit";
import { voteOnAction, type VoteResult } from "@/lib/actions/vote-on-action";
import { STEP_UP_MAX_AGE_MS } from "@/lib/approvals/schemas";

export type ConsoleVoteInput = {
  actionId: string;
  userId: string;
  vote: "approve" | "reject";
  comment?: string;
  rejectReason?: string;
  /** Step-up password; needed only for a destructive approval on a stale sign-in. */
  password?: string;
  timeOnCardMs?: number;
  requestId?: string;
};

// Step-up failures count against the same per-account limit as sign-in, so
// the vote endpoint is no side door for guessing a reviewer's password.
const STEP_UP_SOURCE = "step-up";

/**
 * A reviewer's vote from the console. Approving a destructive action asks for
 * the password again when the last sign-in is older than STEP_UP_MAX_AGE_MS
 * (403 `step_up_required`); a correct password refreshes lastSignInAt. Every
 * approval rule itself is enforced by voteOnAction.
 */
export async function castConsoleVote(input: ConsoleVoteInput): Promise<VoteResult> {
  if (input.vote === "approve") {
    // scope-guard: the vote route ran assertActionInScope first (lib/approvals/action-scope.ts)
    const action = await sqlRead((sql) => actionVoteGate(sql, input.actionId));
    if (action?.toolKind === "destructive") await requireRecentSignIn(input.userId, input.password);
  }
  return voteOnAction({
    actionId: input.actionId,
    userId: input.userId,
    vote: input.vote,
    comment: input.comment,
    rejectReason: input.rejectReason,
    timeOnCardMs: input.timeOnCardMs,
    requestId: input.requestId,
  });
}

/** Throws 403 step_up_required unless the sign-in is fresh or `password` is right (then refreshes it). */
export async function requireRecentSignIn(userId: string, password: string | undefined, now = new Date()): Promise<void> {
  const user = await db().user.findUnique({ where: { id: userId } });
  if (!user || user.disabled) throw new AppError("forbidden", "Only reviewers may vote on actions.", { reason: "not_a_reviewer" });
  if (user.lastSignInAt && now.getTime() - user.lastSignInAt.getTime() <= STEP_UP_MAX_AGE_MS) return;
  if (!password) {
    throw new AppError("forbidden", "Approving a destructive action needs your password again (last sign-in over 10 minutes ago).", {
      reason: "step_up_required",
    });
  }
  if (!(await takeAttempt(user.email, STEP_UP_SOURCE, now))) {
    throw new AppError("rate_limited", "Too many attempts; wait a minute and try again.", { reason: "rate_limited" });
  }
  if (!user.passwordHash || !(await verifyPassword(user.passwordHash, password))) {
    throw new AppError("forbidden", "That password is not correct.", { reason: "step_up_required" });
  }
  await clearFailures(user.email, STEP_UP_SOURCE);
  await db().user.update({ where: { id: user.id }, data: { lastSignInAt: now } });
}
