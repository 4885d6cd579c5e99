import "server-only";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { sqlRead } from "@/lib/db/sql";
import { listOpenBreakers } from "@/lib/db/tables/route-breaker";

const names = z.array(z.string()).catch([]);
/** Lenient read of a stored policy for display; the policy module owns strict validation. */
const storedPolicy = z.object({
  allow_tools: names,
  deny_tools: names,
  require_approval: names,
  auto_approve: names.optional().default([]),
  budgets: z.object({ steps: z.number(), seconds: z.number(), usd: z.number() }).partial().catch({}),
});

export type RoutePolicyView = {
  route: string;
  description: string;
  activeVersion: number;
  /** Open breakers on this route, by scope ("tenant/env"; a route-wide one is "*" for both). */
  openBreakers: string[];
  policy: z.infer<typeof storedPolicy> | null;
  pendingVersions: number;
};

function parsePolicy(text: string | undefined) {
  if (!text) return null;
  try {
    const r = storedPolicy.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/** Every route with its active policy version, for the admin console. */
export async function listPolicies(): Promise<RoutePolicyView[]> {
  const routes = await db().route.findMany({ orderBy: { name: "asc" } });
  const versions = await db().policyVersion.findMany({
    where: { routeId: { in: routes.map((r) => r.id) }, status: { in: ["active", "pending"] } },
  });
  const open = await sqlRead((sql) => listOpenBreakers(sql));
  return routes.map((r) => {
    const mine = versions.filter((v) => v.routeId === r.id);
    const active = mine.find((v) => v.version === r.activeVersion);
    return {
      route: r.name,
      description: r.description,
      activeVersion: r.activeVersion,
      openBreakers: open.filter((b) => b.routeId === r.id).map((b) => `${b.tenantId}/${b.env}`),
      policy: parsePolicy(active?.policy),
      pendingVersions: mine.filter((v) => v.status === "pending").length,
    };
  });
}
