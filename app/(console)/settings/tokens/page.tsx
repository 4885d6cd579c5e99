import type { Metadata } from "next";
import { requireScopedPageRole } from "@/lib/auth/session";
import { formatScopes } from "@/lib/auth/scopes";
import { pageRoles } from "@/components/console/nav-items";
import { PageHeader } from "@/components/ui/PageHeader";
import { ApiTokens } from "@/components/api-tokens/ApiTokens";

export const metadata: Metadata = { title: "API tokens" };

// Scoped: a token is its owner's own and can only narrow the owner's roles and tenant scopes.
export default async function ApiTokensPage() {
  const me = await requireScopedPageRole(...pageRoles("/settings/tokens"));
  return (
    <>
      <PageHeader title="API tokens" description="Personal tokens for a bot or the CLI: shown once, stored hashed, expiring within 90 days, revocable, audited on every use." />
      <ApiTokens roles={me.roles} tenantScopes={formatScopes(me.scopes)} />
    </>
  );
}
