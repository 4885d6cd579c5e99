"use client";

import { useConsoleVersion } from "@/components/queue/use-console-version";

/** The pending count beside the Queue nav link; polled (with the change version) so it moves without a reload. */
export function QueueCountBadge() {
  const { data } = useConsoleVersion();
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
