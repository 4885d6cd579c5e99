import { adminKeys } from "@/components/policies/admin-keys";

/** React Query keys for reviewer groups and route routing (one builder; mutations invalidate through it). */
export const groupKeys = {
  all: () => [...adminKeys.all, "reviewer-groups"] as const,
};
