import type { Metadata } from "next";
import { requireScopedPageRole } from "@/lib/auth/session";
import { pageRoles } from "@/components/console/nav-items";
import { PageHeader } from "@/components/ui/PageHeader";
import { SlackLink } from "@/components/slack/SlackLink";

export const metadata: Metadata = { title: "Account" };

export default async function AccountPage() {
  // Scoped users too: the page reads only their own account.
  await requireScopedPageRole(...pageRoles("/account"));
  return (
    <>
      <PageHeader title="Account" description="Your own settings: the Slack identity that may act for you from a Slack message." />
      <SlackLink />
    </>
  );
}
