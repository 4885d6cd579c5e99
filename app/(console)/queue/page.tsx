import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { listActions } from "@/lib/console/list-actions";
import { pageRoles } from "@/components/console/nav-items";
import { PageHeader } from "@/components/ui/PageHeader";
import { EmptyState } from "@/components/ui/EmptyState";
import { ActionTable } from "@/components/actions/ActionTable";
import { ReadOnlyNote } from "@/components/console/ReadOnlyNote";

export const metadata: Metadata = { title: "Queue" };

export default async function QueuePage() {
  const user = await requirePageRole(...pageRoles("/queue"));
  const rows = await listActions({ status: "pending", limit: 100 });
  const readOnly = !user.roles.some((r) => r === "reviewer" || r === "admin" || r === "oncall");
  return (
    <>
      <PageHeader title="Queue" description="Pending actions waiting for a human decision." />
      {readOnly ? <ReadOnlyNote /> : null}
      {rows.length ? <ActionTable rows={rows} label="Pending actions" /> : <EmptyState title="The queue is empty">No action is waiting for approval.</EmptyState>}
    </>
  );
}
