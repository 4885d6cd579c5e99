import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { pageRoles } from "@/components/console/nav-items";
import { PageHeader } from "@/components/ui/PageHeader";
import { EmptyState } from "@/components/ui/EmptyState";

export const metadata: Metadata = { title: "Break-glass" };

export default async function BreakGlassPage() {
  await requirePageRole(...pageRoles("/break-glass"));
  return (
    <>
      <PageHeader title="Break-glass" description="Time-limited elevation for on-call during an incident. Humans only." />
      <EmptyState title="No break-glass session is open">Opening one needs your password, a reason and a duration (at most 60 minutes).</EmptyState>
    </>
  );
}
