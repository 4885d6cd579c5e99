/** React Query keys for break-glass data; mutations invalidate through `all`. */
export const breakGlassKeys = {
  all: ["break-glass"] as const,
  active: () => [...breakGlassKeys.all, "active"] as const,
  recent: () => [...breakGlassKeys.all, "recent"] as const,
  pending: (q = "") => [...breakGlassKeys.all, "pending", q] as const,
  mintOptions: (q = "") => [...breakGlassKeys.all, "mint-options", q] as const,
  review: (id: string) => [...breakGlassKeys.all, "review", id] as const,
};
