import type { Tx } from "@/lib/db/client";
import type { Policy, ToolEntry } from "@/lib/policy/types";
import { parsePolicy } from "@/lib/policy/policy-schema";
import { toolEntryFromRow } from "@/lib/catalog/tool-from-row";

export type LoadedRoute = {
  id: string;
  name: string;
  version: number;
  policy: Policy;
  breakerOpen: boolean;
};

// A policy version's row never changes, so its parse is cached by id.
const policyCache = new Map<string, Policy>();
const MAX_CACHED = 2_000;

function remember<V>(cache: Map<string, V>, key: string, make: () => V): V {
  let v = cache.get(key);
  if (v === undefined) {
    v = make();
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, v);
  }
  return v;
}

/** The route with its active policy version, or null when no such route exists. */
export async function loadRoute(tx: Tx, name: string): Promise<LoadedRoute | null> {
  const route = await tx.route.findUnique({ where: { name } });
  if (!route) return null;
  const version = await tx.policyVersion.findUnique({
    where: { routeId_version: { routeId: route.id, version: route.activeVersion } },
  });
  // A route without a readable active policy denies everything (fail closed).
  if (!version || version.status !== "active") return null;
  return {
    id: route.id,
    name: route.name,
    version: route.activeVersion,
    policy: remember(policyCache, version.id, () => parsePolicy(version.policy)),
    breakerOpen: route.breakerState === "open",
  };
}

/** Exact, case-sensitive catalog lookup; no normalisation of any kind. */
export async function loadTool(tx: Tx, name: string): Promise<ToolEntry | null> {
  const row = await tx.tool.findUnique({ where: { name } });
  if (!row || row.name !== name) return null;
  return toolEntryFromRow(row);
}

/** Kill-switch keys: a whole tenant, a tool everywhere, a tool for one tenant. */
export const killSwitchKeys = {
  tenant: (tenantId: string) => `tenant:${tenantId}`,
  tool: (tenantId: string | "*", tool: string) => `tool:${tenantId}:${tool}`,
};

export async function killSwitchState(tx: Tx, tenantId: string, tool: string): Promise<{ tenant: boolean; tool: boolean }> {
  const rows = await tx.killSwitch.findMany({
    where: {
      key: { in: [killSwitchKeys.tenant(tenantId), killSwitchKeys.tool("*", tool), killSwitchKeys.tool(tenantId, tool)] },
      enabled: true,
    },
    select: { scope: true },
  });
  return { tenant: rows.some((r) => r.scope === "tenant"), tool: rows.some((r) => r.scope === "tool") };
}
