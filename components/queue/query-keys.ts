import type { ActionFilters } from "@/lib/approvals/schemas";
import { consoleKeys } from "@/components/console/query-keys";

/** One queue page: filters plus the page cursor (after/before/last). */
export type QueuePageKey = { after?: string; before?: string; last?: boolean };

/** React Query keys for the queue, history and action detail; mutations invalidate `all`. */
export const approvalKeys = {
  all: [...consoleKeys.all, "approvals"] as const,
  queue: (f: ActionFilters, page: QueuePageKey = {}) => [...approvalKeys.all, "queue", f, page] as const,
  queues: () => [...approvalKeys.all, "queue"] as const,
  history: (f: ActionFilters, older: string | null = null) => [...approvalKeys.all, "history", f, older] as const,
  detail: (id: string) => [...approvalKeys.all, "detail", id] as const,
  /** A reviewer's edit of an action's args (components/approvals/EditArguments.tsx). */
  edit: (id: string) => [...approvalKeys.all, "edit", id] as const,
  details: () => [...approvalKeys.all, "detail"] as const,
  /** The change version and pending count (`/api/console/actions/version`), polled by the nav badge and the open queue. */
  version: () => [...approvalKeys.all, "version"] as const,
};

/** Filters as a query string (blank ones left out). */
export function filterQuery(f: ActionFilters, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams(extra);
  for (const [k, v] of Object.entries(f)) if (v) p.set(k, String(v));
  return p.toString();
}

/** The filter keys the queue keeps in the URL, in a stable order. */
export const QUEUE_FILTER_KEYS = ["q", "mine", "tenant", "env", "route", "tool", "kind", "age"] as const;

/** The filter keys the history keeps in the URL, in a stable order (its page cursor is `older`). */
export const HISTORY_FILTER_KEYS = ["tenant", "env", "route", "tool", "kind", "status", "fast"] as const;

/** The queue API's query string for these filters and this page (the server page and the client build the same one). */
export function queueRequestQuery(f: ActionFilters, page: QueuePageKey): string {
  const extra: Record<string, string> = { view: "queue", limit: "50" };
  if (page.after) extra.after = page.after;
  if (page.before) extra.before = page.before;
  if (page.last) extra.last = "1";
  return filterQuery(f, extra);
}
