import type { Metadata } from "next";
import { ANY_ROLE } from "@/lib/auth/roles";
import { requireScopedPageRole } from "@/lib/auth/session";
import { PageHeader } from "@/components/ui/PageHeader";
import { SummaryCards } from "@/components/dashboard/SummaryCards";
import { MetricsCharts } from "@/components/dashboard/MetricsCharts";

export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  await requireScopedPageRole(...ANY_ROLE);
  return (
    <>
      <PageHeader title="Dashboard" description="What agents are asking for, live." />
      <SummaryCards />
      <MetricsCharts />
    </>
  );
}
