import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requireScopedPageRole } from "@/lib/auth/session";
import { getAuditEvent } from "@/lib/audit/query";
import { pageRoles } from "@/components/console/nav-items";
import { PageHeader } from "@/components/ui/PageHeader";
import { AuditEventDetail } from "@/components/audit/AuditEventDetail";

export const metadata: Metadata = { title: "Audit event" };

export default async function AuditEventPage({ params }: { params: Promise<{ seq: string }> }) {
  const user = await requireScopedPageRole(...pageRoles("/audit"));
  const seq = Number((await params).seq);
  const event = Number.isSafeInteger(seq) && seq > 0 ? await getAuditEvent(seq, user) : null;
  if (!event) notFound();
  return (
    <>
      <PageHeader
        title={`Audit event #${event.seq}`}
        description={event.type}
        actions={
          <Link className="text-sm text-sky-700 underline" href="/audit">
            Back to the log
          </Link>
        }
      />
      <AuditEventDetail event={event} />
    </>
  );
}
