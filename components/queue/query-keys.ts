import type { ActionFilters } from "@/lib/approvals/schemas";
import { consoleKeys } from "@/components/console/query-keys";

/** React Query keys for the queue, history and action detail; mutations invalidate `all`. */
export const approvalKeys = {
  all: [...consoleKeys.all, "approvals"] as const,
  queue: (f: ActionFilters) => [...approvalKeys.all, "queue", f] as const,
  history: (f: ActionFilters) => [...approvalKeys.all, "history", f] as const,
  detail: (id: string) => [...approvalKeys.all, "detail", id] as const,
  count: () => [...approvalKeys.all, "count"] as const,
  /** A reviewer's edit of an action's args (components/approvals/EditArguments.tsx). */
  edit: (id: string) => [...approvalKeys.all, "edit", id] as const,
};

/** Filters as a query string (blank ones left out). */
export function filterQuery(f: ActionFilters, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams(extra);
  for (const [k, v] of Object.entries(f)) if (v) p.set(k, String(v));
  return p.toString();
}
