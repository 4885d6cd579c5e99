// Run by e2e/mcp.spec.ts with GATEHOUSE_DATA_DIR set to the e2e server's data dir: registers the
// demo upstream the test started (Streamable HTTP at E2E_MCP_URL) as E2E_MCP_NAME through the same
// two-admin functions the console API calls, sets acme/prod's credential, imports and classifies its
// tools, and grants them on support/send (the read allowed, the writes needing a human), as the demo seed does;
// with E2E_MCP_NAME2, a second upstream whose imported tools stay unclassified.
import { db, closeDb } from "@/lib/db/client";
import { approveMcpChange, requestMcpChange, setUpstreamCredential, syncUpstreamTools } from "@/lib/mcp/upstreams";
import { parsePolicy } from "@/lib/policy/policy-schema";
import { closeUpstreamConnections } from "@/lib/mcp/upstream-client";

if (!process.env.DATABASE_URL) delete process.env.DATABASE_URL;
const name = process.env.E2E_MCP_NAME!;
const admin1 = await db().user.findFirstOrThrow({ where: { email: "admin@gatehouse.local" } });
const admin2 = await db().user.findFirstOrThrow({ where: { email: "admin2@gatehouse.local" } });
const twoAdmins = async (change: Record<string, unknown>) => {
  const { requestSeq } = await requestMcpChange({ change, actorId: admin1.id });
  await approveMcpChange({ requestSeq, actorId: admin2.id });
};
await twoAdmins({ op: "register", name, transport: "http", url: process.env.E2E_MCP_URL, timeout_ms: 5000, max_concurrent: 4 });
const u = await db().mcpUpstream.findUniqueOrThrow({ where: { name } });
await setUpstreamCredential({ upstreamId: u.id, actorId: admin1.id, body: { tenant: "acme", env: "prod", bearer: process.env.E2E_MCP_TOKEN } });
await syncUpstreamTools(u, { tenantId: "acme", env: "prod" }, { actorType: "user", actorId: admin1.id });
const kinds: Record<string, string> = { get_ticket: "read", close_ticket: "write", create_refund: "destructive", send_email: "write" };
const summaries: Record<string, string> = {
  get_ticket: "Read ticket {ticket_id}",
  close_ticket: "Close ticket {ticket_id}: {resolution}",
  create_refund: "Refund ${amount_usd} on order {order_id}",
  send_email: "E-mail {to}: {subject}",
};
for (const t of await db().mcpUpstreamTool.findMany({ where: { upstreamId: u.id } })) {
  await twoAdmins({
    op: "classify",
    tool: t.toolName,
    pin: t.observedHash,
    kind: kinds[t.upstreamTool],
    summary_template: summaries[t.upstreamTool],
    blast_radius: { scope: "one helpdesk record", records: 1, description: "One ticket, refund or e-mail in the demo helpdesk." },
    undo: { reversible: false, note: "Demo helpdesk." },
  });
}
const route = await db().route.findUniqueOrThrow({ where: { name: "support/send" } });
const cur = await db().policyVersion.findUniqueOrThrow({ where: { routeId_version: { routeId: route.id, version: route.activeVersion } } });
const p = parsePolicy(cur.policy);
const next = { ...p, allow_tools: [...p.allow_tools, `${name}.get_ticket`], require_approval: [...p.require_approval, `${name}.close_ticket`, `${name}.send_email`] };
await db().$transaction(async (tx) => {
  await tx.policyVersion.update({ where: { id: cur.id }, data: { status: "superseded" } });
  await tx.policyVersion.create({
    data: { routeId: route.id, version: route.activeVersion + 1, policy: JSON.stringify(parsePolicy(next)), status: "active", reason: "e2e: MCP upstream" },
  });
  await tx.route.update({ where: { id: route.id }, data: { activeVersion: route.activeVersion + 1 } });
});
// A second upstream (same server) whose tools are imported and left unclassified: the console classifies them.
const name2 = process.env.E2E_MCP_NAME2;
if (name2) {
  await twoAdmins({ op: "register", name: name2, transport: "http", url: process.env.E2E_MCP_URL, timeout_ms: 5000, max_concurrent: 4 });
  const u2 = await db().mcpUpstream.findUniqueOrThrow({ where: { name: name2 } });
  await setUpstreamCredential({ upstreamId: u2.id, actorId: admin1.id, body: { tenant: "acme", env: "prod", bearer: process.env.E2E_MCP_TOKEN } });
  await syncUpstreamTools(u2, { tenantId: "acme", env: "prod" }, { actorType: "user", actorId: admin1.id });
}
await closeUpstreamConnections();
await closeDb();
console.log(JSON.stringify({ upstream: name }));
// Nothing of this script may keep it alive (the test waits for it).
process.exit(0);
