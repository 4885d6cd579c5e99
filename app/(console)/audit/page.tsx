import type { Metadata } from "next";
import { requireScopedPageRole } from "@/lib/auth/session";
import { AUDIT_FILTER_KEYS, type AuditFilter } from "@/lib/audit/query";
import { pageRoles } from "@/components/console/nav-items";
import { PageHeader } from "@/components/ui/PageHeader";
import { AuditBrowser } from "@/components/audit/AuditBrowser";

export const metadata: Metadata = { title: "Audit" };

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireScopedPageRole(...pageRoles("/audit"));
  const sp = await searchParams;
  // Links from detail views land here pre-filtered (e.g. /audit?action_id=…); time bounds stay ISO in the URL.
  const initial: Partial<Record<keyof AuditFilter, string>> = {};
  for (const k of AUDIT_FILTER_KEYS) {
    const v = sp[k];
    if (typeof v === "string" && v && k !== "from" && k !== "to") initial[k] = v;
  }
  return (
    <>
      <PageHeader title="Audit" description="The append-only, hash-chained audit log: filter, page, open an event, export the filtered set, verify the chain." />
      <AuditBrowser initial={initial} />
    </>
  );
}
