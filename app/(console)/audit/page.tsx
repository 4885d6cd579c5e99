import type { Metadata } from "next";
import { requireScopedPageRole } from "@/lib/auth/session";
import { AUDIT_FILTER_KEYS, type AuditFilter } from "@/lib/audit/query";
import { pageRoles } from "@/components/console/nav-items";
import { PageHeader } from "@/components/ui/PageHeader";
import { AuditBrowser } from "@/components/audit/AuditBrowser";
import { isoToUtcInput } from "@/components/ui/format-time";

export const metadata: Metadata = { title: "Audit" };

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireScopedPageRole(...pageRoles("/audit"));
  const sp = await searchParams;
  // Links from detail views land here pre-filtered (e.g. /audit?action_id=…). Time bounds are ISO in the URL and UTC in
  // the form, so a reloaded or shared link shows and applies the same bounds; one that is not an instant is left out.
  const initial: Partial<Record<keyof AuditFilter, string>> = {};
  for (const k of AUDIT_FILTER_KEYS) {
    const v = sp[k];
    if (typeof v !== "string" || !v) continue;
    const value = k === "from" || k === "to" ? isoToUtcInput(v) : v;
    if (value) initial[k] = value;
  }
  return (
    <>
      <PageHeader title="Audit" description="The append-only, hash-chained audit log: filter, page, open an event, export the filtered set, verify the chain." />
      <AuditBrowser initial={initial} />
    </>
  );
}
