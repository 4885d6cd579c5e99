import "server-only";
import path from "node:path";
import { db } from "@/lib/db/client";
import { pathToFileURL } from "node:url";
import { parsePolicy } from "@/lib/policy/policy-schema";
import { applySeedMcpChange, setUpstreamCredential, syncUpstreamTools } from "@/lib/mcp/upstreams";

/**
 * DEMO ONLY: the demo upstream MCP server (examples/mcp-upstream.ts over stdio,
 * as `helpdesk`) registered on a demo install's first start, its tools
 * classified, acme/prod's credential set, and support/send granting them. The
 * stdio command comes from server configuration as always: this sets the
 * `helpdesk` entry of GATEHOUSE_MCP_STDIO for this process when it is unset.
 */
export const DEMO_MCP_UPSTREAM = "helpdesk";
export const DEMO_MCP_TOKEN = "DEMO-ONLY-helpdesk-upstream-credential";

const KINDS: Record<string, { kind: string; summary: string }> = {
  get_ticket: { kind: "read", summary: "Read ticket {ticket_id}" },
  close_ticket: { kind: "write", summary: "Close ticket {ticket_id}: {resolution}" },
  create_refund: { kind: "destructive", summary: "Refund ${amount_usd} on order {order_id}" },
  send_email: { kind: "write", summary: "E-mail {to}: {subject}" },
};

export function demoStdioConfig(root = process.cwd()): string {
  // As scripts/tsx-node-args.ts: tsx as the loader, and the hook that lets "server-only" load in plain Node.
  const hook = pathToFileURL(path.join(root, "scripts", "register-server-only.mjs")).href;
  return JSON.stringify({
    [DEMO_MCP_UPSTREAM]: { command: process.execPath, args: ["--import", "tsx", "--import", hook, path.join(root, "examples", "mcp-upstream.ts"), "--stdio"] },
  });
}

/** Returns false when already registered (a later start) or the upstream could not be listed. */
export async function seedDemoMcp(): Promise<boolean> {
  process.env.GATEHOUSE_MCP_STDIO ??= demoStdioConfig();
  if (await db().mcpUpstream.findUnique({ where: { name: DEMO_MCP_UPSTREAM } })) return false;
  const admin = await db().user.findFirst({ where: { email: "admin@gatehouse.local" } });
  if (!admin) return false;
  await applySeedMcpChange({ op: "register", name: DEMO_MCP_UPSTREAM, transport: "stdio", stdio_command: DEMO_MCP_UPSTREAM, timeout_ms: 10_000 });
  const u = await db().mcpUpstream.findUniqueOrThrow({ where: { name: DEMO_MCP_UPSTREAM } });
  for (const env of ["prod", "staging"]) await setUpstreamCredential({ upstreamId: u.id, actorId: admin.id, body: { tenant: "acme", env, bearer: DEMO_MCP_TOKEN } });
  await syncUpstreamTools(u, { tenantId: "acme", env: "prod" }, { actorType: "system" });
  const blast = { scope: "one helpdesk record", records: 1, description: "One ticket, refund or e-mail in the demo helpdesk." };
  for (const t of await db().mcpUpstreamTool.findMany({ where: { upstreamId: u.id } })) {
    const k = KINDS[t.upstreamTool];
    if (!k) continue;
    await applySeedMcpChange({
      op: "classify",
      tool: t.toolName,
      pin: t.observedHash,
      kind: k.kind,
      summary_template: k.summary,
      blast_radius: blast,
      undo: { reversible: false, note: "Demo helpdesk." },
    });
  }
  // support/send grants the reads and asks a human for the writes.
  const route = await db().route.findUniqueOrThrow({ where: { name: "support/send" } });
  const cur = await db().policyVersion.findUniqueOrThrow({ where: { routeId_version: { routeId: route.id, version: route.activeVersion } } });
  const p = parsePolicy(cur.policy);
  const next = {
    ...p,
    allow_tools: [...p.allow_tools, `${DEMO_MCP_UPSTREAM}.get_ticket`],
    require_approval: [...p.require_approval, `${DEMO_MCP_UPSTREAM}.close_ticket`, `${DEMO_MCP_UPSTREAM}.create_refund`, `${DEMO_MCP_UPSTREAM}.send_email`],
  };
  await db().$transaction(async (tx) => {
    await tx.policyVersion.update({ where: { id: cur.id }, data: { status: "superseded" } });
    await tx.policyVersion.create({
      data: { routeId: route.id, version: route.activeVersion + 1, policy: JSON.stringify(parsePolicy(next)), status: "active", reason: "demo seed: the helpdesk MCP upstream" },
    });
    await tx.route.update({ where: { id: route.id }, data: { activeVersion: route.activeVersion + 1 } });
  });
  return true;
}
