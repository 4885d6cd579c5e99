import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { listActions } from "@/lib/console/list-actions";
import { pageRoles } from "@/components/console/nav-items";
import { PageHeader } from "@/components/ui/PageHeader";
import { EmptyState } from "@/components/ui/EmptyState";
import { ActionTable } from "@/components/actions/ActionTable";

export const metadata: Metadata = { title: "Actions" };

export default async function ActionsPage() {
  await requirePageRole(...pageRoles("/actions"));
  const rows = await listActions({ limit: 50 });
  return (
    <>
      <PageHeader title="Actions" description="The latest 50 actions proposed by agents, in every state." />
      {rows.length ? <ActionTable rows={rows} label="Actions" /> : <EmptyState title="No actions yet">Actions appear here when agents propose tool calls.</EmptyState>}
    </>
  );
}
