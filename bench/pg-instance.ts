/**
 * Benchmark child: one Gatehouse instance on the PostgreSQL database in DATABASE_URL — the agent
 * API handlers on bare node:http with this process's background work (LISTEN/NOTIFY wake-ups), as
 * test/postgres-only/support/instance.ts, plus POST /__bench/runs (runs with raised budgets).
 * BENCH_SEED=1 migrates and seeds the demo data first (start that instance before the others).
 * Prints `READY <port> -`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

// "test", not "production": production mode with a PostgreSQL URL refuses the demo data the load uses.
(process.env as Record<string, string>).NODE_ENV = "test";
process.env.GATEHOUSE_DEMO = "1";

const { env } = await import("@/lib/env");
const { migrate } = await import("@/lib/db/migrate");
const { db } = await import("@/lib/db/client");
const { seedDemo } = await import("@/lib/seed/seed-demo");
const { nodeHandler } = await import("@/lib/http/node-adapter");
const { agentRoutes } = await import("@/lib/api/v1/routes");
const { authenticateAgent } = await import("@/lib/agents/authenticate-agent");
const { startRun } = await import("@/lib/runs/start-run");
const { startBackgroundWork } = await import("@/lib/background");
const { pgNotifyReady } = await import("@/lib/events/pg-notify");
const { castConsoleVote } = await import("@/lib/approvals/cast-console-vote");

if (env().provider !== "postgres") throw new Error("bench/pg-instance.ts needs a PostgreSQL DATABASE_URL");
if (process.env.BENCH_SEED === "1") {
  await migrate(env().databaseUrl);
  await seedDemo();
}

async function makeRuns(key: string, route: string, count: number): Promise<string[]> {
  const agent = await authenticateAgent(new Request("http://bench/", { headers: { authorization: `Bearer ${key}` } }));
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push((await startRun(agent, route, { requestId: `bench-run-${i}` })).run_id);
  await db().run.updateMany({
    where: { id: { in: ids } },
    data: { stepsMax: 1_000_000_000, usdMaxMicros: 1_000_000_000, expiresAt: new Date(Date.now() + 86_400_000) },
  });
  return ids;
}

/**
 * `actionIds` approved at once by the demo reviewer, through the console's vote (castConsoleVote: the
 * step-up check's read, then voteOnAction), as POST /api/console/actions/{id}/vote runs it after its
 * session and scope checks. Each vote's latency, and how many were approved.
 */
async function approveAll(actionIds: string[]): Promise<{ approved: number; failed: string[]; ms: number[] }> {
  const reviewer = await db().user.findUnique({ where: { email: "reviewer@gatehouse.local" }, select: { id: true } });
  if (!reviewer) throw new Error("no demo reviewer");
  const ms: number[] = [];
  const failed: string[] = [];
  let approved = 0;
  await Promise.all(
    actionIds.map(async (id, i) => {
      const t0 = performance.now();
      try {
        const r = await castConsoleVote({ actionId: id, userId: reviewer.id, vote: "approve", requestId: `bench-vote-${i}` });
        if (r.status === "approved") approved++;
        else failed.push(r.status);
      } catch (err) {
        failed.push((err as Error).message);
      }
      ms.push(performance.now() - t0);
    }),
  );
  return { approved, failed: failed.slice(0, 5), ms };
}

let base = "http://127.0.0.1";
const api = nodeHandler(agentRoutes, () => base);
const server = http.createServer((req, res) => {
  if (req.url === "/__bench/runs" || req.url === "/__bench/votes") {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const work =
        req.url === "/__bench/votes"
          ? approveAll((JSON.parse(body) as { actionIds: string[] }).actionIds)
          : ((input: { key: string; route: string; count: number }) => makeRuns(input.key, input.route, input.count))(JSON.parse(body));
      work.then(
        (ids) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(ids)),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    });
    return;
  }
  api(req, res).catch((err: unknown) => res.writeHead(500).end(String(err)));
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
await new Promise<void>((r) => server.once("listening", () => r()));
const stopBackground = startBackgroundWork();
await pgNotifyReady();
console.log(`READY ${(server.address() as AddressInfo).port} -`);

process.on("SIGINT", () => {
  stopBackground();
  server.closeAllConnections();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
