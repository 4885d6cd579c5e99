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
const { seedDemo } = await import("@/lib/seed/seed-demo");
const { nodeHandler } = await import("@/lib/http/node-adapter");
const { agentRoutes } = await import("@/lib/api/v1/routes");
const { proposeAction } = await import("@/lib/actions/propose-action");
const { cancelAction } = await import("@/lib/actions/cancel-action");
const { waiterCount } = await import("@/lib/events/action-events");
const { sqlRead, sqlTransaction } = await import("@/lib/db/sql");
const { agentFor, benchControl, makeRuns } = await import("./bench-control");
type Agent = import("./bench-control").BenchAgent;

await migrate(env().databaseUrl);
await seedDemo();

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

function control(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  return benchControl(req, res, async (url, input) => {
    const key = input.key as string;
    if (url === "/__bench/runs") return makeRuns(key, input.route as string, input.count as number);
    if (url === "/__bench/pending") return makePending(key, input.count as number);
    if (url === "/__bench/decide") return decideAll(key, input.ids as string[]);
    if (url === "/__bench/stats") return { waiters: waiterCount(), rss: process.memoryUsage().rss };
    return { error: "unknown" };
  });
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
