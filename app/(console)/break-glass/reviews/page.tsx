import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { REVIEW_ROLES } from "@/lib/break-glass/roles";
import { PageHeader } from "@/components/ui/PageHeader";
import { RecentSessions } from "@/components/break-glass/RecentSessions";

export const metadata: Metadata = { title: "Break-glass reviews" };

// Reviewers and admins are not on-call, so they reach reviews here rather than through /break-glass.
export default async function BreakGlassReviewsPage() {
  await requirePageRole(...REVIEW_ROLES);
  return (
    <>
      <PageHeader title="Break-glass reviews" description="Every break-glass session; a finished one waits for someone other than its on-call to acknowledge its review." />
      <RecentSessions />
    </>
  );
}
