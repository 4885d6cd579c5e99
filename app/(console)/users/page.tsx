import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { pageRoles } from "@/components/console/nav-items";
import { PageHeader } from "@/components/ui/PageHeader";
import { UserAdmin } from "@/components/users/UserAdmin";
import { ReviewerGroups } from "@/components/reviewer-groups/ReviewerGroups";
import { routeNames } from "@/lib/reviewer-groups/route-names";
import { configuredIssuer } from "@/lib/auth/sso";

export const metadata: Metadata = { title: "Users" };

export default async function UsersPage() {
  const me = await requirePageRole(...pageRoles("/users"));
  return (
    <>
      <PageHeader
        title="Users"
        description="Who can sign in to the console and with which roles. Granting admin, reviewer or on-call needs a second admin; at least one enabled admin always remains."
      />
      <UserAdmin selfId={me.id} sso={configuredIssuer() !== null} />
      <div className="mt-8">
        <ReviewerGroups routes={await routeNames()} selfId={me.id} />
      </div>
    </>
  );
}
