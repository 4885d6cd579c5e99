import type { Metadata } from "next";
import { requireScopedPageRole } from "@/lib/auth/session";
import { pageRoles } from "@/components/console/nav-items";
import { listFilterOptions } from "@/lib/approvals/filter-options";
import { PageHeader } from "@/components/ui/PageHeader";
import { HistoryView } from "@/components/history/HistoryView";

export const metadata: Metadata = { title: "Actions" };

export default async function ActionsPage() {
  const user = await requireScopedPageRole(...pageRoles("/actions"));
  const options = await listFilterOptions(user);
  return (
    <>
      <PageHeader title="Actions" description="Decided actions, newest first. Votes cast in under 3 seconds are marked." />
      <HistoryView options={options} />
    </>
  );
}
