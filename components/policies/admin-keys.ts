import { consoleKeys } from "@/components/console/query-keys";

/** React Query keys for the admin pages, from one builder so mutations invalidate consistently. */
export const adminKeys = {
  all: [...consoleKeys.all, "admin"] as const,
  route: (name: string) => [...adminKeys.all, "route", name] as const,
  /** Under the route's key, so refreshing the route refreshes its pending reviews. */
  change: (route: string, id: string) => [...adminKeys.route(route), "change", id] as const,
  testRun: () => [...adminKeys.all, "policy-tests-run"] as const,
  tools: () => [...adminKeys.all, "tools"] as const,
  mcpUpstreams: () => [...adminKeys.all, "mcp-upstreams"] as const,
  agents: () => [...adminKeys.all, "agents"] as const,
  users: () => [...adminKeys.all, "users"] as const,
  userGrants: () => [...adminKeys.all, "users", "grants"] as const,
  ssoMappings: () => [...adminKeys.all, "users", "sso-mappings"] as const,
  canaries: () => [...adminKeys.all, "users", "canaries"] as const,
  webhooks: () => [...adminKeys.all, "webhooks"] as const,
  /** One page of the delivery log under `webhooks()` (which mutations invalidate). */
  webhookPage: (status: string, older: string | null) => [...adminKeys.webhooks(), status, older ?? ""] as const,
  apiTokens: () => [...adminKeys.all, "api-tokens"] as const,
};
