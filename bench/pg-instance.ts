/**
 * Benchmark child: one Gatehouse instance on the PostgreSQL database in DATABASE_URL — the agent
 * API handlers on bare node:http with this process's background work (LISTEN/NOTIFY wake-ups), as
 * test/postgres-only/support/instance.ts, plus POST /__bench/runs (runs with raised budgets, bench/bench-control.ts)
 * and POST /__bench/votes (approve the given actions at once).
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
const { startBackgroundWork } = await import("@/lib/background");
const { pgNotifyReady } = await import("@/lib/events/pg-notify");
const { castConsoleVote } = await import("@/lib/approvals/cast-console-vote");
const { benchControl, makeRuns } = await import("./bench-control");

if (env().provider !== "postgres") throw new Error("bench/pg-instance.ts needs a PostgreSQL DATABASE_URL");
if (process.env.BENCH_SEED === "1") {
  await migrate(env().databaseUrl);
  await seedDemo();
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
  if (req.url?.startsWith("/__bench/")) {
    void benchControl(req, res, async (url, input) => {
      if (url === "/__bench/runs") return makeRuns(input.key as string, input.route as string, input.count as number);
      if (url === "/__bench/votes") return approveAll(input.actionIds as string[]);
      return { error: "unknown" };
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
