/** React Query keys for the audit browser. */
export const auditKeys = {
  all: ["audit"] as const,
  page: (query: string) => [...auditKeys.all, "page", query] as const,
  event: (seq: number) => [...auditKeys.all, "event", seq] as const,
};
