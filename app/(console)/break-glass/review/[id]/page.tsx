import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { REVIEW_ROLES } from "@/lib/break-glass/roles";
import { PageHeader } from "@/components/ui/PageHeader";
import { BreakGlassReviewView } from "@/components/break-glass/BreakGlassReviewView";

export const metadata: Metadata = { title: "Break-glass review" };

export default async function BreakGlassReviewPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requirePageRole(...REVIEW_ROLES);
  const { id } = await params;
  return (
    <>
      <PageHeader title="Post-incident review" description="Everything done under one break-glass session. Someone other than the on-call acknowledges it." />
      <BreakGlassReviewView sessionId={id} userId={user.id} />
    </>
  );
}
