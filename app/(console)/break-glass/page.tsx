import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { killSwitchFormOptions } from "@/lib/console/list-form-options";
import { pageRoles } from "@/components/console/nav-items";
import { PageHeader } from "@/components/ui/PageHeader";
import { BreakGlassPanel } from "@/components/break-glass/BreakGlassPanel";

export const metadata: Metadata = { title: "Break-glass" };

export default async function BreakGlassPage() {
  const user = await requirePageRole(...pageRoles("/break-glass"));
  const { tenants, tools } = await killSwitchFormOptions();
  return (
    <>
      <PageHeader
        title="Break-glass"
        description="Time-limited elevation for on-call during an incident. Humans only: password, reason, at most 60 minutes; every act is recorded and reviewed by someone else."
      />
      <BreakGlassPanel userId={user.id} tenants={tenants} tools={tools} />
    </>
  );
}
