import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { listRecentAudit } from "@/lib/console/list-recent-audit";
import { pageRoles } from "@/components/console/nav-items";
import { PageHeader } from "@/components/ui/PageHeader";
import { EmptyState } from "@/components/ui/EmptyState";
import { AuditTable } from "@/components/audit/AuditTable";

export const metadata: Metadata = { title: "Audit" };

export default async function AuditPage() {
  await requirePageRole(...pageRoles("/audit"));
  const rows = await listRecentAudit(50);
  return (
    <>
      <PageHeader title="Audit" description="The latest 50 events of the append-only, hash-chained audit log." />
      {rows.length ? <AuditTable rows={rows} /> : <EmptyState title="No audit events yet" />}
    </>
  );
}
