"use client";

import { useEffect, useRef } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { fetchConsole } from "@/components/console/fetch-console";
import { approvalKeys } from "@/components/queue/query-keys";

export type ConsoleVersion = { version: number; pending: number };

/**
 * The cheap "has anything changed" poll (one number and the pending count,
 * every second). Shared by the nav badge and the open queue or card (one
 * request, de-duplicated by React Query).
 */
export function useConsoleVersion() {
  return useQuery({
    queryKey: approvalKeys.version(),
    queryFn: () => fetchConsole<ConsoleVersion>("/api/console/actions/version"),
    refetchInterval: 1_000,
    refetchIntervalInBackground: false,
  });
}

/** Refetch the queue pages and open cards only when the version moves: no re-download of an unchanged list. */
export function useRefetchOnChange() {
  const v = useConsoleVersion();
  const qc = useQueryClient();
  const seen = useRef<number | null>(null);
  const version = v.data?.version;
  useEffect(() => {
    if (version === undefined) return;
    if (seen.current !== null && seen.current !== version) {
      void qc.invalidateQueries({ queryKey: approvalKeys.queues() });
      void qc.invalidateQueries({ queryKey: approvalKeys.details() });
    }
    seen.current = version;
  }, [version, qc]);
  return v;
}
