/**
 * What the benchmark servers (bench/gatehouse-server.ts on SQLite, bench/pg-instance.ts on
 * PostgreSQL) share: runs with raised budgets, the agent behind a key, and the /__bench/* control
 * endpoint's plumbing. Import it dynamically, after the script has set its environment: these
 * modules read it when they load.
 */
import type http from "node:http";
import { db } from "@/lib/db/client";
import { authenticateAgent } from "@/lib/agents/authenticate-agent";
import { startRun } from "@/lib/runs/start-run";

export type BenchAgent = Awaited<ReturnType<typeof authenticateAgent>>;

export const agentFor = (key: string): Promise<BenchAgent> => authenticateAgent(new Request("http://bench/", { headers: { authorization: `Bearer ${key}` } }));

/** Runs with budgets raised so a load test measures the path, not the budget denial. */
export async function makeRuns(key: string, route: string, count: number): Promise<string[]> {
  const agent = await agentFor(key);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push((await startRun(agent, route, { requestId: `bench-run-${i}` })).run_id);
  await db().run.updateMany({
    where: { id: { in: ids } },
    data: { stepsMax: 1_000_000_000, usdMaxMicros: 1_000_000_000, expiresAt: new Date(Date.now() + 86_400_000) },
  });
  return ids;
}

/** Answer a /__bench/* request: its JSON body to `handle`, the result as JSON (500 with the error's text if it throws). */
export async function benchControl(req: http.IncomingMessage, res: http.ServerResponse, handle: (url: string, input: Record<string, unknown>) => Promise<unknown>): Promise<void> {
  let body = "";
  for await (const chunk of req) body += chunk;
  try {
    const out = await handle(req.url ?? "", body ? (JSON.parse(body) as Record<string, unknown>) : {});
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(out));
  } catch (err) {
    res.writeHead(500).end(String(err));
  }
}
