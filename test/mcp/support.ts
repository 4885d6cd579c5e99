import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { db } from "@/lib/db/client";
import { approveMcpChange, requestMcpChange, setUpstreamCredential, syncUpstreamTools } from "@/lib/mcp/upstreams";

export const UPSTREAM_TOKEN = "upstream-cred-acme-prod-7f3a9c1e5b2d";

/** Everything an agent received over HTTP, as one string: the "never receives the credential" assertion reads it. */
export type Wire = { bytes: string[] };

/** The SDK's own Client over Streamable HTTP, with a fetch that keeps every byte the server sent back. */
export async function agentClient(base: string, route: string, key: string, wire?: Wire): Promise<Client> {
  const client = new Client({ name: "test-agent", version: "1" });
  const recording: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (!wire) return res;
    const text = await res.text();
    wire.bytes.push(JSON.stringify([...res.headers.entries()]), text);
    return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
  await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp/${route}`), { requestInit: { headers: { authorization: `Bearer ${key}` } }, fetch: recording }));
  return client;
}

const blast = { scope: "one record", records: 1, description: "Touches one record." };

/** Register an upstream through the two-admin rule, set acme/prod's credential, import and classify its tools. */
export async function registerDemoUpstream(o: { name: string; transport: "http" | "stdio"; url?: string; stdio?: string; admin1: string; admin2: string; tenant?: string }) {
  const change =
    o.transport === "http"
      ? { op: "register", name: o.name, transport: "http", url: o.url, timeout_ms: 1500, max_concurrent: 4 }
      : { op: "register", name: o.name, transport: "stdio", stdio_command: o.stdio, timeout_ms: 5000 };
  const { requestSeq } = await requestMcpChange({ change, actorId: o.admin1 });
  await approveMcpChange({ requestSeq, actorId: o.admin2 });
  const u = await db().mcpUpstream.findUniqueOrThrow({ where: { name: o.name } });
  await setUpstreamCredential({ upstreamId: u.id, actorId: o.admin1, body: { tenant: o.tenant ?? "acme", env: "prod", bearer: UPSTREAM_TOKEN } });
  await syncUpstreamTools(u, { tenantId: o.tenant ?? "acme", env: "prod" }, { actorType: "user", actorId: o.admin1 });
  const kinds: Record<string, string> = { get_ticket: "read", close_ticket: "write", create_refund: "destructive", send_email: "write" };
  for (const t of await db().mcpUpstreamTool.findMany({ where: { upstreamId: u.id } })) {
    await classify(t.toolName, kinds[t.upstreamTool]!, o.admin1, o.admin2);
  }
  return u;
}

export async function classify(tool: string, kind: string, admin1: string, admin2: string, extra: { idempotent?: boolean } = {}) {
  const t = await db().mcpUpstreamTool.findUniqueOrThrow({ where: { toolName: tool } });
  const { requestSeq } = await requestMcpChange({
    change: {
      op: "classify",
      tool,
      pin: t.observedHash,
      kind,
      summary_template: `${t.upstreamTool} {ticket_id}`,
      blast_radius: blast,
      undo: { reversible: false, note: "none" },
      ...extra,
    },
    actorId: admin1,
  });
  await approveMcpChange({ requestSeq, actorId: admin2 });
}
