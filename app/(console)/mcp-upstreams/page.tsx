import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { pageRoles } from "@/components/console/nav-items";
import { PageHeader } from "@/components/ui/PageHeader";
import { McpUpstreamAdmin } from "@/components/mcp/McpUpstreamAdmin";

export const metadata: Metadata = { title: "MCP upstreams" };

export default async function McpUpstreamsPage() {
  await requirePageRole(...pageRoles("/mcp-upstreams"));
  return (
    <>
      <PageHeader
        title="MCP upstreams"
        description="Upstream MCP servers whose tools agents reach through /mcp/<route>. Registering, classifying, re-approving and byte-exact results need a second admin; a tool its upstream changed is withheld until re-approved."
      />
      <McpUpstreamAdmin />
    </>
  );
}
