import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { decodeSegment } from "@/lib/http/decode-path";
import { requirePageRole } from "@/lib/auth/session";
import { pageRoles } from "@/components/console/nav-items";
import { PageHeader } from "@/components/ui/PageHeader";
import { PolicyEditor } from "@/components/policies/PolicyEditor";

export const metadata: Metadata = { title: "Edit policy" };

// Route names contain slashes (support/draft), hence the catch-all segment.
export default async function RoutePolicyPage({ params }: { params: Promise<{ route: string[] }> }) {
  const user = await requirePageRole(...pageRoles("/policies"));
  const segments = (await params).route.map(decodeSegment);
  // A segment that does not decode names no route: 404, not a 500 from a throwing decode.
  if (segments.some((s) => s === null)) notFound();
  const name = segments.join("/");
  return (
    <>
      <PageHeader
        title={`Policy: ${name}`}
        description="Widening waits for a second admin; narrowing applies at once. Policy tests run on every change."
        actions={
          <Link href="/policies" className="text-sm text-sky-700">
            All routes
          </Link>
        }
      />
      <PolicyEditor route={name} me={user.id} />
    </>
  );
}
