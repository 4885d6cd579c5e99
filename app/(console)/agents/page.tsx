import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { agentFormOptions } from "@/lib/console/list-form-options";
import { pageRoles } from "@/components/console/nav-items";
import { PageHeader } from "@/components/ui/PageHeader";
import { AgentAdmin } from "@/components/agents/AgentAdmin";

export const metadata: Metadata = { title: "Agents" };

export default async function AgentsPage() {
  await requirePageRole(...pageRoles("/agents"));
  const { tenants, routes } = await agentFormOptions();
  return (
    <>
      <PageHeader title="Agents" description="Agent credentials. Each key is bound to one tenant, one environment and its routes." />
      <AgentAdmin tenants={tenants} routes={routes} />
    </>
  );
}
