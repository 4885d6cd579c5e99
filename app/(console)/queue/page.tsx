import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { pageRoles } from "@/components/console/nav-items";
import { listFilterOptions } from "@/lib/approvals/filter-options";
import { QueueView } from "@/components/queue/QueueView";

export const metadata: Metadata = { title: "Queue" };

export default async function QueuePage() {
  await requirePageRole(...pageRoles("/queue"));
  const options = await listFilterOptions();
  return (
    <>
      <h1 className="mb-2 text-xl font-semibold tracking-tight text-slate-900">Queue</h1>
      <QueueView options={options} />
    </>
  );
}
