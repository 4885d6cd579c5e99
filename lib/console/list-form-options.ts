import "server-only";
import { db } from "@/lib/db/client";

/** The choices on the agents page's "new credential" form: every tenant and every route, by name. */
export async function agentFormOptions(): Promise<{ tenants: string[]; routes: string[] }> {
  const [tenants, routes] = await Promise.all([
    db().tenant.findMany({ orderBy: { id: "asc" }, select: { id: true } }),
    db().route.findMany({ orderBy: { name: "asc" }, select: { name: true } }),
  ]);
  return { tenants: tenants.map((t) => t.id), routes: routes.map((r) => r.name) };
}

/** The choices on the settings page's kill-switch form: every tenant and every catalog tool, by name. */
export async function killSwitchFormOptions(): Promise<{ tenants: string[]; tools: string[] }> {
  const [tenants, tools] = await Promise.all([
    db().tenant.findMany({ orderBy: { id: "asc" }, select: { id: true } }),
    db().tool.findMany({ orderBy: { name: "asc" }, select: { name: true } }),
  ]);
  return { tenants: tenants.map((t) => t.id), tools: tools.map((t) => t.name) };
}
