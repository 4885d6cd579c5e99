import "server-only";
import { db } from "@/lib/db/client";
import { tenantWhere, type Scoped } from "@/lib/auth/scopes";

export type FilterOptions = { tenants: string[]; routes: string[]; tools: string[] };

/** The values the queue and history filters offer (the viewer's tenants; every route and catalog tool). */
export async function listFilterOptions(viewer: Scoped): Promise<FilterOptions> {
  const [tenants, routes, tools] = await Promise.all([
    db().tenant.findMany({ where: tenantWhere(viewer, "id"), select: { id: true }, orderBy: { id: "asc" } }),
    db().route.findMany({ select: { name: true }, orderBy: { name: "asc" } }),
    db().tool.findMany({ select: { name: true }, orderBy: { name: "asc" } }),
  ]);
  return { tenants: tenants.map((t) => t.id), routes: routes.map((r) => r.name), tools: tools.map((t) => t.name) };
}
