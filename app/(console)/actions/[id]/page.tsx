import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requireScopedPageRole } from "@/lib/auth/session";
import { pageRoles } from "@/components/console/nav-items";
import { getActionDetail } from "@/lib/approvals/get-action-detail";
import { PageHeader } from "@/components/ui/PageHeader";
import { ActionDetailView } from "@/components/history/ActionDetailView";

export const metadata: Metadata = { title: "Action" };

export default async function ActionPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireScopedPageRole(...pageRoles("/actions"));
  const { id } = await params;
  const detail = await getActionDetail(id, user);
  if (!detail) notFound();
  return (
    <>
      <PageHeader
        title={`Action ${detail.id}`}
        description={`${detail.tool} on ${detail.tenantId}/${detail.env} via ${detail.route}`}
        actions={
          <Link href="/actions" className="text-sm text-slate-600 underline">
            All actions
          </Link>
        }
      />
      <ActionDetailView initial={{ ...detail, serverTime: new Date().toISOString() }} />
    </>
  );
}
