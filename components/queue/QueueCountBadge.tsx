"use client";

import { useQuery } from "@tanstack/react-query";
import { fetchConsole } from "@/components/console/fetch-console";
import { approvalKeys } from "@/components/queue/query-keys";

/** The pending count beside the Queue nav link; polled so it moves without a reload. */
export function QueueCountBadge() {
  const { data } = useQuery({
    queryKey: approvalKeys.count(),
    queryFn: () => fetchConsole<{ pending: number }>("/api/console/actions/count"),
    refetchInterval: 2_000,
  });
  if (!data || data.pending === 0) return null;
  return (
    <span
      className="pointer-events-none absolute right-2 top-1/2 -translate-y-1/2 rounded-full bg-amber-400 px-1.5 text-xs font-semibold tabular-nums text-slate-900"
      data-testid="queue-count"
      aria-label={`${data.pending} pending`}
    >
      {data.pending}
    </span>
  );
}
