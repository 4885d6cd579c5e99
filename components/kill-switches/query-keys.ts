import { consoleKeys } from "@/components/console/query-keys";

/** React Query keys for kill switches (/api/console/kill-switches), wherever they are shown; flips invalidate `all`. */
export const killSwitchQueryKeys = {
  all: [...consoleKeys.all, "kill-switches"] as const,
  list: () => [...killSwitchQueryKeys.all, "list"] as const,
};
