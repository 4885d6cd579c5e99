import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { listAgents } from "@/lib/console/list-agents";
import { pageRoles } from "@/components/console/nav-items";
import { PageHeader } from "@/components/ui/PageHeader";
import { EmptyState } from "@/components/ui/EmptyState";
import { AgentTable } from "@/components/agents/AgentTable";

export const metadata: Metadata = { title: "Agents" };

export default async function AgentsPage() {
  await requirePageRole(...pageRoles("/agents"));
  const agents = await listAgents();
  return (
    <>
      <PageHeader title="Agents" description="Agent credentials. Each key is bound to one tenant, one environment and its routes." />
      {agents.length ? <AgentTable agents={agents} /> : <EmptyState title="No agent credentials">Agents cannot call Gatehouse until a credential exists.</EmptyState>}
    </>
  );
}
