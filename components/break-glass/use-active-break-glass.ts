"use client";

import { useQuery } from "@tanstack/react-query";
import type { BreakGlassBannerView } from "@/lib/break-glass/list-sessions";
import { fetchConsole } from "@/components/console/fetch-console";
import { breakGlassKeys } from "@/components/break-glass/query-keys";

/** Open sessions, re-read every second so the banner appears and goes within 2 s everywhere. */
export function useActiveBreakGlass() {
  return useQuery({
    queryKey: breakGlassKeys.active(),
    queryFn: () => fetchConsole<{ sessions: BreakGlassBannerView[] }>("/api/console/break-glass/active"),
    refetchInterval: 1_000,
    refetchIntervalInBackground: true,
  });
}
