import "server-only";
import { db } from "@/lib/db/client";

export type FilterOptions = { tenants: string[]; routes: string[]; tools: string[] };

/** The values the queue and history filters offer (every tenant, route and catalog tool). */
export async function listFilterOptions(): Promise<FilterOptions> {
  const [tenants, routes, tools] = await Promise.all([
    db().tenant.findMany({ select: { id: true }, orderBy: { id: "asc" } }),
    db().route.findMany({ select: { name: true }, orderBy: { name: "asc" } }),
    db().tool.findMany({ select: { name: true }, orderBy: { name: "asc" } }),
  ]);
  return { tenants: tenants.map((t) => t.id), routes: routes.map((r) => r.name), tools: tools.map((t) => t.name) };
}
