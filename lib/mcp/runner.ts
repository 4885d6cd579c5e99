import "server-only";
import { sqlRead } from "@/lib/db/sql";
import { approvedUnclaimedMcpCalls } from "@/lib/db/tables/mcp";
import { runApprovedCall } from "@/lib/mcp/gateway";
import { newId } from "@/lib/crypto/new-id";

/** At most this many approved calls run at once from one instance's runner (each upstream also bounds its own). */
const MAX_RUNNING = 8;

const globalForRunner = globalThis as unknown as { gatehouseMcpRunning?: Map<string, Promise<unknown>> };
const running = () => (globalForRunner.gatehouseMcpRunning ??= new Map());

/**
 * On approval Gatehouse runs the call itself: every instance's background
 * loop (lib/background.ts, once a second) starts the approved calls that no
 * one has claimed, whether or not their agent is still connected. A waiting
 * agent usually claims first (its long-poll wakes on the approval); the
 * claim is one conditional update, so either way a call runs once across
 * instances, and whoever lost the claim reads the winner's answer. Runs are
 * not awaited here: an upstream call may take its whole timeout and must not
 * hold up expiry. Returns the ids started (tests await `settled`).
 */
export async function runApprovedMcpCalls(now = new Date()): Promise<{ started: string[]; settled: Promise<unknown> }> {
  const inFlight = running();
  const free = MAX_RUNNING - inFlight.size;
  if (free <= 0) return { started: [], settled: Promise.resolve() };
  const ids = (await sqlRead((sql) => approvedUnclaimedMcpCalls(sql, now, MAX_RUNNING))).filter((id) => !inFlight.has(id)).slice(0, free);
  const runs = ids.map((id) => {
    const run = runApprovedCall(id, { requestId: newId("req", 16), signal: new AbortController().signal })
      .catch((err: unknown) => console.error(`gatehouse: running approved MCP call ${id} failed`, err))
      .finally(() => inFlight.delete(id));
    inFlight.set(id, run);
    return run;
  });
  return { started: ids, settled: Promise.all(runs) };
}
