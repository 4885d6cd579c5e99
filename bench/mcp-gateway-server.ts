/**
 * Benchmark child: a fresh demo database with the upstream at BENCH_UPSTREAM_URL
 * registered as `bench` (system seed path), its tools classified, acme/prod's
 * credential set, `bench.get_ticket` allowed on support/send with budgets
 * raised, serving the MCP gateway and the agent API on bare node:http (as
 * test/support/agent-server.ts). Prints `READY <port> <dataDir>`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import http from "node:http";
import type { AddressInfo } from "node:net";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gh-bench-mcp-"));
process.env.GATEHOUSE_DATA_DIR = dataDir;
process.env.DATABASE_URL = `file:${path.join(dataDir, "gatehouse.db")}`;
(process.env as Record<string, string>).NODE_ENV = "production";
process.env.GATEHOUSE_DEMO = "1";
process.env.GATEHOUSE_MCP_RESYNC_MS = "3600000";

const { env } = await import("@/lib/env");
const { migrate } = await import("@/lib/db/migrate");
const { db } = await import("@/lib/db/client");
const { seedDemo } = await import("@/lib/seed/seed-demo");
const { nodeHandler } = await import("@/lib/http/node-adapter");
const { agentRoutes } = await import("@/lib/api/v1/routes");
const { isMcpPath, mcpHandler } = await import("@/lib/mcp/endpoint");
const { applySeedMcpChange, setUpstreamCredential, syncUpstreamTools } = await import("@/lib/mcp/upstreams");
const { parsePolicy } = await import("@/lib/policy/policy-schema");

await migrate(env().databaseUrl);
await seedDemo();
await applySeedMcpChange({ op: "register", name: "bench", transport: "http", url: process.env.BENCH_UPSTREAM_URL, max_concurrent: 256, timeout_ms: 30_000 });
const u = await db().mcpUpstream.findUniqueOrThrow({ where: { name: "bench" } });
const admin = await db().user.findFirstOrThrow({ where: { email: "admin@gatehouse.local" } });
await setUpstreamCredential({ upstreamId: u.id, actorId: admin.id, body: { tenant: "acme", env: "prod", bearer: process.env.BENCH_UPSTREAM_TOKEN } });
await syncUpstreamTools(u, { tenantId: "acme", env: "prod" }, { actorType: "system" });
const t = await db().mcpUpstreamTool.findUniqueOrThrow({ where: { toolName: "bench.get_ticket" } });
await applySeedMcpChange({
  op: "classify",
  tool: t.toolName,
  pin: t.observedHash,
  kind: "read",
  summary_template: "Read ticket {ticket_id}",
  blast_radius: { scope: "one ticket", records: 1, description: "Reads one ticket." },
  undo: { reversible: false, note: "A read." },
});
// P10's "decision alone" phase proposes over the agent API, which refuses an upstream's tools: the same catalog entry, native.
const served = await db().tool.findUniqueOrThrow({ where: { name: "bench.get_ticket" } });
await db().tool.create({ data: { ...served, name: "bench_native.get_ticket", createdAt: undefined, updatedAt: undefined } });
const route = await db().route.findUniqueOrThrow({ where: { name: "support/send" } });
const cur = await db().policyVersion.findUniqueOrThrow({ where: { routeId_version: { routeId: route.id, version: route.activeVersion } } });
const p = parsePolicy(cur.policy);
const next = { ...p, allow_tools: [...p.allow_tools, "bench.get_ticket", "bench_native.get_ticket"], budgets: { steps: 100_000, seconds: 86_400, usd: 1_000 } };
await db().policyVersion.update({ where: { id: cur.id }, data: { status: "superseded" } });
await db().policyVersion.create({ data: { routeId: route.id, version: route.activeVersion + 1, policy: JSON.stringify(parsePolicy(next)), status: "active", reason: "bench" } });
await db().route.update({ where: { id: route.id }, data: { activeVersion: route.activeVersion + 1 } });

let base = "http://127.0.0.1";
const api = nodeHandler(agentRoutes, () => base);
const mcp = mcpHandler(() => base);
const server = http.createServer((req, res) => (isMcpPath(req.url) ? mcp(req, res) : api(req, res)));
server.keepAliveTimeout = 60_000;
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const port = (server.address() as AddressInfo).port;
base = `http://127.0.0.1:${port}`;
process.on("SIGINT", () => process.exit(0));
console.log(`READY ${port} ${dataDir}`);
