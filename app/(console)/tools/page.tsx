import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { listTools } from "@/lib/console/list-tools";
import { pageRoles } from "@/components/console/nav-items";
import { PageHeader } from "@/components/ui/PageHeader";
import { EmptyState } from "@/components/ui/EmptyState";
import { ToolTable } from "@/components/tools/ToolTable";

export const metadata: Metadata = { title: "Tools" };

export default async function ToolsPage() {
  await requirePageRole(...pageRoles("/tools"));
  const tools = await listTools();
  return (
    <>
      <PageHeader title="Tools" description="The catalog: every tool an agent can name, with its kind and how to undo it." />
      {tools.length ? <ToolTable tools={tools} /> : <EmptyState title="The catalog is empty">Unknown tools are always denied.</EmptyState>}
    </>
  );
}
