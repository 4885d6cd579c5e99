import "server-only";
import { z } from "zod";
import { AppError, zodIssues } from "@/lib/errors";

/**
 * Shapes shared by the console approval API, its handlers and the UI forms.
 * Pure: no I/O.
 */

const filterValue = z.string().trim().min(1).max(200).optional();

/** Queue and history filters (query string). Empty values mean "any". */
export const actionFilters = z.object({
  tenant: filterValue,
  env: filterValue,
  route: filterValue,
  tool: filterValue,
  kind: z.enum(["read", "write", "destructive"]).optional(),
  /** History only: one final status. */
  status: z.enum(["allowed", "approved", "rejected", "expired", "cancelled", "denied"]).optional(),
  /** History only: "1" keeps decisions where a vote took under FAST_DECISION_MS. */
  fast: z.enum(["1"]).optional(),
});
export type ActionFilters = z.infer<typeof actionFilters>;

/** The queue's and history's filters from a query string; unknown and blank parameters are ignored, a bad value is a 422. */
export function parseActionFilters(params: URLSearchParams): ActionFilters {
  const parsed = actionFilters.safeParse(Object.fromEntries([...params].filter(([k, v]) => k in actionFilters.shape && v.trim() !== "")));
  if (!parsed.success) throw new AppError("validation_failed", "Invalid filter.", { issues: zodIssues(parsed.error.issues) });
  return parsed.data;
}

/** POST /api/console/actions/{id}/vote */
export const voteBody = z
  .object({
    vote: z.enum(["approve", "reject"]),
    comment: z.string().max(2000).optional(),
    /** Required for a rejection; the agent receives it. */
    reason: z.string().max(2000).optional(),
    /** Step-up: the reviewer's password, when their sign-in is older than STEP_UP_MAX_AGE_MS. */
    password: z.string().max(1024).optional(),
    /** Client-measured time from the card being shown to the decision click. */
    time_on_card_ms: z.number().int().min(0).max(86_400_000).optional(),
  })
  .strict();
export type VoteBody = z.infer<typeof voteBody>;

/** A decision taken faster than this is marked in the history (rubber-stamp signal). */
export const FAST_DECISION_MS = 3_000;

/** Destructive approvals need a sign-in (or password re-entry) newer than this. */
export const STEP_UP_MAX_AGE_MS = 10 * 60 * 1000;
