/** React Query keys for console data, built in one place so invalidation stays consistent. */
export const consoleKeys = {
  all: ["console"] as const,
  summary: () => [...consoleKeys.all, "summary"] as const,
  metrics: () => [...consoleKeys.all, "metrics"] as const,
};
