/**
 * Benchmark child process: a fresh data directory with the demo seed, serving
 * the product's own agent route handlers from bare node:http (as
 * test/support/agent-server.ts does), plus /__bench/* control endpoints that
 * exist only in this file. Prints `READY <port> <dataDir>` when listening.
 * Usage: tsx --import ./scripts/register-server-only.mjs bench/gatehouse-server.ts [--no-listen]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import http from "node:http";
import type { AddressInfo } from "node:net";

const dataDir = process.env.BENCH_DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), "gh-bench-"));
process.env.GATEHOUSE_DATA_DIR = dataDir;
process.env.DATABASE_URL = `file:${path.join(dataDir, "gatehouse.db")}`;
(process.env as Record<string, string>).NODE_ENV = "production";
process.env.GATEHOUSE_DEMO = "1";

const { env } = await import("@/lib/env");
const { migrate } = await import("@/lib/db/migrate");
const { db } = await import("@/lib/db/client");
const { seedDemo } = await import("@/lib/seed/seed-demo");
const { nodeHandler } = await import("@/lib/http/node-adapter");
const { agentRoutes } = await import("@/lib/api/v1/routes");
const { authenticateAgent } = await import("@/lib/agents/authenticate-agent");
const { startRun } = await import("@/lib/runs/start-run");
const { proposeAction } = await import("@/lib/actions/propose-action");
const { cancelAction } = await import("@/lib/actions/cancel-action");
const { waiterCount } = await import("@/lib/events/action-events");
const { sqlRead, sqlTransaction } = await import("@/lib/db/sql");

await migrate(env().databaseUrl);
await seedDemo();

type Agent = Awaited<ReturnType<typeof authenticateAgent>>;
const agentFor = (key: string) => authenticateAgent(new Request("http://bench/", { headers: { authorization: `Bearer ${key}` } }));

/** Runs with budgets raised so a load test measures the path, not the budget denial. */
async function makeRuns(key: string, route: string, count: number): Promise<string[]> {
  const agent = await agentFor(key);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push((await startRun(agent, route, { requestId: `bench-run-${i}` })).run_id);
  await db().run.updateMany({
    where: { id: { in: ids } },
    data: { stepsMax: 1_000_000_000, usdMaxMicros: 1_000_000_000, expiresAt: new Date(Date.now() + 86_400_000) },
  });
  return ids;
}

/**
 * One real pending proposal, then copies of its row with fresh ids and keys:
 * the long-poll benchmark measures waiting, and proposing 10,000 one by one
 * would take minutes on a loaded machine.
 */
async function makePending(key: string, count: number): Promise<string[]> {
  const agent = await agentFor(key);
  const [runId] = await makeRuns(key, "support/send", 1);
  const first = await proposeAction(agent, { run_id: runId!, tool: "ticket.close", args: { ticket_id: "T-1001" }, idempotency_key: "wait-0" } as never, { requestId: "bench-0" });
  const ids = [first.view.action_id];
  // Raw SQL copies (a batch per transaction): ORM createMany of 10,000 rows grew this
  // process's heap by a few hundred MB before the first waiter arrived, and RSS is a goal here.
  const cols = (await sqlRead((sql) => sql.all<{ name: string }>(`SELECT "name" FROM pragma_table_info('Action')`))).map((c) => c.name);
  const values = cols.map((c) => (c === "id" || c === "idempotencyKey" ? "?" : `"${c}"`));
  const copy = `INSERT INTO "Action" (${cols.map((c) => `"${c}"`).join(", ")}) SELECT ${values.join(", ")} FROM "Action" WHERE "id" = ?`;
  const order = cols.filter((c) => c === "id" || c === "idempotencyKey");
  for (let start = 1; start < count; start += 500) {
    const batch = Array.from({ length: Math.min(500, count - start) }, (_, k) => start + k);
    await sqlTransaction(async (sql) => {
      for (const n of batch) {
        const params = order.map((c) => (c === "id" ? `act_bench${n}` : `wait-${n}`));
        await sql.run(copy, [...params, first.view.action_id]);
      }
    });
    ids.push(...batch.map((n) => `act_bench${n}`));
  }
  return ids;
}

/** Cancel each action (a decision by its agent) and record when each commit finished. */
async function decideAll(key: string, ids: string[]): Promise<Record<string, number>> {
  const agent: Agent = await agentFor(key);
  const at: Record<string, number> = {};
  for (const id of ids) {
    await cancelAction(agent, id, { requestId: `bench-cancel-${id}` });
    at[id] = performance.timeOrigin + performance.now();
  }
  return at;
}

async function control(req: http.IncomingMessage, res: http.ServerResponse) {
  let body = "";
  for await (const chunk of req) body += chunk;
  const input = body ? JSON.parse(body) : {};
  const url = req.url ?? "";
  let out: unknown;
  if (url === "/__bench/runs") out = await makeRuns(input.key, input.route, input.count);
  else if (url === "/__bench/pending") out = await makePending(input.key, input.count);
  else if (url === "/__bench/decide") out = await decideAll(input.key, input.ids);
  else if (url === "/__bench/stats") out = { waiters: waiterCount(), rss: process.memoryUsage().rss };
  else out = { error: "unknown" };
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(out));
}

if (!process.argv.includes("--no-listen")) {
  let base = "http://127.0.0.1";
  const api = nodeHandler(agentRoutes, () => base);
  const server = http.createServer((req, res) => {
    const run = req.url?.startsWith("/__bench/") ? control(req, res) : api(req, res);
    run.catch((err) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  server.maxHeadersCount = 50;
  server.listen(0, "127.0.0.1", () => {
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    console.log(`READY ${(server.address() as AddressInfo).port} ${dataDir}`);
  });
} else {
  console.log(`READY 0 ${dataDir}`);
}

// A clean exit on SIGINT, so --cpu-prof can write its profile.
process.on("SIGINT", () => process.exit(0));
