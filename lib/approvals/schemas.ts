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
  /** Queue: "1" keeps the actions the viewer may still vote on (not voted, not on their behalf). */
  mine: z.enum(["1"]).optional(),
  /** Queue: only actions waiting longer than this. */
  age: z.enum(["5m", "1h", "4h", "1d"]).optional(),
  /** Queue: text in the summary, tool, route, agent reason or action id. */
  q: z.string().trim().min(1).max(200).optional(),
});
export type ActionFilters = z.infer<typeof actionFilters>;

/** The queue's and history's filters from a query string; unknown and blank parameters are ignored, a bad value is a 422. */
export function parseActionFilters(params: URLSearchParams): ActionFilters {
  const parsed = actionFilters.safeParse(Object.fromEntries([...params].filter(([k, v]) => k in actionFilters.shape && v.trim() !== "")));
  if (!parsed.success) throw new AppError("validation_failed", "Invalid filter.", { issues: zodIssues(parsed.error.issues) });
  return parsed.data;
}

/** Minimum waiting time per `age` filter value, in milliseconds. */
export const AGE_MS: Record<NonNullable<ActionFilters["age"]>, number> = { "5m": 5 * 60_000, "1h": 3_600_000, "4h": 4 * 3_600_000, "1d": 86_400_000 };

/** One page of the queue: after a cursor (next page), before one (previous page), or the last page. */
export type QueuePage = { after?: string; before?: string; last?: boolean; limit: number };
export const QUEUE_PAGE_MAX = 100;
const cursorValue = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/);
const queuePage = z.object({
  after: cursorValue.optional(),
  before: cursorValue.optional(),
  last: z.enum(["1"]).optional(),
  limit: z.coerce.number().int().min(1).max(QUEUE_PAGE_MAX).optional(),
});

/** The queue's page parameters; a malformed one is a 422. */
export function parseQueuePage(params: URLSearchParams): QueuePage {
  const parsed = queuePage.safeParse(Object.fromEntries([...params].filter(([k, v]) => k in queuePage.shape && v.trim() !== "")));
  if (!parsed.success) throw new AppError("validation_failed", "Invalid page.", { issues: zodIssues(parsed.error.issues) });
  const { after, before, last, limit } = parsed.data;
  return { after, before, last: last === "1", limit: limit ?? 50 };
}

/** A history page: after an `older` cursor (the next, older page), at most `limit` rows. */
export type HistoryPageParams = { older?: string; limit?: number };
const historyPage = z.object({ older: cursorValue.optional(), limit: z.coerce.number().int().min(1).max(QUEUE_PAGE_MAX).optional() });

/** The history's page parameters; a malformed one is a 422. */
export function parseHistoryPage(params: URLSearchParams): HistoryPageParams {
  const parsed = historyPage.safeParse(Object.fromEntries([...params].filter(([k, v]) => k in historyPage.shape && v.trim() !== "")));
  if (!parsed.success) throw new AppError("validation_failed", "Invalid page.", { issues: zodIssues(parsed.error.issues) });
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
