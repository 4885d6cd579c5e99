import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { listPolicies } from "@/lib/console/list-policies";
import { pageRoles } from "@/components/console/nav-items";
import { PageHeader } from "@/components/ui/PageHeader";
import { EmptyState } from "@/components/ui/EmptyState";
import { PolicyList } from "@/components/policies/PolicyList";
import { RunAllTests } from "@/components/policies/RunAllTests";

export const metadata: Metadata = { title: "Policies" };

export default async function PoliciesPage() {
  await requirePageRole(...pageRoles("/policies"));
  const routes = await listPolicies();
  return (
    <>
      <PageHeader title="Policies" description="Each route's active policy. Anything not listed is denied." />
      <RunAllTests />
      {routes.length ? <PolicyList routes={routes} /> : <EmptyState title="No routes yet">Routes and their policies appear here once created.</EmptyState>}
    </>
  );
}
