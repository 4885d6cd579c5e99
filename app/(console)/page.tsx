import type { Metadata } from "next";
import { ANY_ROLE } from "@/lib/auth/roles";
import { requireScopedPageRole } from "@/lib/auth/session";
import { scopesFor } from "@/lib/auth/scopes";
import { PageHeader } from "@/components/ui/PageHeader";
import { SummaryCards } from "@/components/dashboard/SummaryCards";
import { MetricsCharts } from "@/components/dashboard/MetricsCharts";
import { ReviewerFiguresTable } from "@/components/dashboard/ReviewerFiguresTable";
import { reviewerFigures } from "@/lib/reviewers/reviewer-figures";

export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  const user = await requireScopedPageRole(...ANY_ROLE);
  // Reviewers' habits are for admins; narrowed to the admin's own scopes like every other figure.
  // Reviewer figures are an admin's: narrowed to where the admin role applies.
  const figures = user.roles.includes("admin") ? await reviewerFigures({ scopes: scopesFor(user, "admin") }) : null;
  return (
    <>
      <PageHeader title="Dashboard" description="What agents are asking for, live." />
      <SummaryCards />
      <MetricsCharts />
      {figures ? <ReviewerFiguresTable rows={figures} /> : null}
    </>
  );
}
