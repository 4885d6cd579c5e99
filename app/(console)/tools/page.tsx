import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { pageRoles } from "@/components/console/nav-items";
import { PageHeader } from "@/components/ui/PageHeader";
import { ToolAdmin } from "@/components/tools/ToolAdmin";

export const metadata: Metadata = { title: "Tools" };

// Admin-only (nav-items), so the page is the editor; there is no read-only view to keep.
export default async function ToolsPage() {
  const me = await requirePageRole(...pageRoles("/tools"));
  return (
    <>
      <PageHeader title="Tools" description="The catalog: every tool an agent can name, with its kind, argument schema, blast radius and undo. Unknown tools are always denied." />
      <ToolAdmin selfId={me.id} />
    </>
  );
}
