import type { Metadata } from "next";
import { db } from "@/lib/db/client";
import { requirePageRole } from "@/lib/auth/session";
import { pageRoles } from "@/components/console/nav-items";
import { PageHeader } from "@/components/ui/PageHeader";
import { AgentAdmin } from "@/components/agents/AgentAdmin";

export const metadata: Metadata = { title: "Agents" };

export default async function AgentsPage() {
  await requirePageRole(...pageRoles("/agents"));
  const [tenants, routes] = await Promise.all([db().tenant.findMany({ orderBy: { id: "asc" } }), db().route.findMany({ orderBy: { name: "asc" } })]);
  return (
    <>
      <PageHeader title="Agents" description="Agent credentials. Each key is bound to one tenant, one environment and its routes." />
      <AgentAdmin tenants={tenants.map((t) => t.id)} routes={routes.map((r) => r.name)} />
    </>
  );
}
