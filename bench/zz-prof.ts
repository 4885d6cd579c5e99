import fs from "node:fs"; import os from "node:os"; import path from "node:path";
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gh-prof-"));
process.env.GATEHOUSE_DATA_DIR = dir; process.env.DATABASE_URL = `file:${path.join(dir, "gatehouse.db")}`; process.env.GATEHOUSE_DEMO = "1";
const { env } = await import("@/lib/env"); const { migrate } = await import("@/lib/db/migrate"); const { db } = await import("@/lib/db/client");
const { seedDemo } = await import("@/lib/seed/seed-demo"); const { authenticateAgent } = await import("@/lib/agents/authenticate-agent");
const { startRun } = await import("@/lib/runs/start-run"); const { proposeAction } = await import("@/lib/actions/propose-action");
const { DEMO_AGENTS } = await import("@/lib/seed/demo-data"); const { PROFILE } = await import("@/lib/db/sqlite-sql") as any;
await migrate(env().databaseUrl); await seedDemo();
const key = DEMO_AGENTS.find((a) => a.name === "acme-support")!.key;
const agent = await authenticateAgent(new Request("http://x/", { headers: { authorization: `Bearer ${key}` } }));
const run = await startRun(agent, "support/send", { requestId: "hot" });
await db().run.update({ where: { id: run.run_id }, data: { stepsMax: 1_000_000_000, usdMaxMicros: 1_000_000_000 } });
let n = 0;
const { sqlDriver } = await import("@/lib/db/client"); const drv: any = await sqlDriver();
const X = process.env.X ?? "";
if (X.includes("nockpt")) drv.conn.pragma("wal_autocheckpoint = 0");
if (X.includes("noidx")) for (const i of ["AuditEvent_env_seq_idx","AuditEvent_type_seq_idx","AuditEvent_route_seq_idx","AuditEvent_tool_seq_idx","AuditEvent_actorId_seq_idx","AuditEvent_status_seq_idx","AuditEvent_requestId_idx","AuditEvent_breakGlassSessionId_idx","AuditEvent_at_idx","AuditEvent_tenantId_seq_idx","AuditEvent_actionId_idx"]) drv.conn.exec(`DROP INDEX IF EXISTS "${i}"`);
if (X.includes("somerandom")) for (const i of ["AuditEvent_requestId_idx","AuditEvent_actionId_idx"]) drv.conn.exec(`DROP INDEX IF EXISTS "${i}"`);
if (X.includes("cache")) drv.conn.pragma("cache_size = -65536");
console.log(X, drv.conn.pragma("cache_size"), drv.conn.pragma("page_size"), drv.conn.pragma("wal_autocheckpoint"));

for (let i = 0; i < 3000; i++) await proposeAction(agent, { run_id: run.run_id, tool: "kb.search", args: { query: "q" }, idempotency_key: `r${n++}` } as never, { requestId: "hot" });
PROFILE.clear();
const N = 3000; const t0 = performance.now(); const c0 = process.cpuUsage();
for (let i = 0; i < N; i++) await proposeAction(agent, { run_id: run.run_id, tool: "kb.search", args: { query: "q" }, idempotency_key: `r${n++}` } as never, { requestId: "hot" });
const c = process.cpuUsage(c0); console.log("per call ms wall", ((performance.now() - t0) / N).toFixed(3), "cpu", ((c.user + c.system) / 1000 / N).toFixed(3));
let tot = 0n; for (const [k, v] of [...PROFILE.entries()].sort((a: any, b: any) => Number(b[1].ns - a[1].ns))) { tot += v.ns; console.log((Number(v.ns) / N / 1000).toFixed(1).padStart(7), "µs/call", String(v.n / N).padStart(4), k); }
console.log("sql total µs/call", (Number(tot) / N / 1000).toFixed(1));
process.exit(0);
