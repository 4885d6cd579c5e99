import "server-only";
import { atCommit, sqlRead, sqlTransaction } from "@/lib/db/sql";
import type { Sql } from "@/lib/db/types";
import { appendAudit } from "@/lib/audit/append";
import {
  dropMcpCallArgs,
  deleteFinishedMcpCalls,
  failedUnknownMcpCalls,
  finishStuckMcpCall,
  mcpCallCounts,
  mcpCallsWithDeadArgs,
  runningMcpCalls,
  stuckMcpCalls,
} from "@/lib/db/tables/mcp";
import { seal } from "@/lib/crypto/seal";
import { metrics } from "@/lib/metrics/registry";

/**
 * How long an approved MCP call may stay claimed ("being run") before the
 * sweep calls it failed-unknown: longer than any upstream timeout (at most
 * 120 s) plus the redemption and result around it. A run is cut off at
 * runBudgetMs, inside this bound.
 */
export const stuckClaimMs = () => {
  const v = Number(process.env.GATEHOUSE_MCP_STUCK_CLAIM_MS);
  return Number.isFinite(v) && v > 0 ? v : 5 * 60_000;
};

/**
 * The longest an approved call's whole run may take from its claim (waiting
 * for a slot, connecting, the call and an idempotent tool's one retry):
 * always shorter than the stuck bound, by 30 s (or half the bound, if that is
 * less), so the sweep never closes a call that is still running on a live
 * instance. With the defaults, 270 s against upstream timeouts of at most 120 s.
 */
export const runBudgetMs = () => {
  const stuck = stuckClaimMs();
  return stuck - Math.min(30_000, stuck / 2);
};

/**
 * How long a finished call's row and answer stay (sealed) for
 * gatehouse.action_status and tasks/result. The answer is the upstream's
 * result, personal data included, kept only so a model that lost it can read
 * it again; then the row is deleted (the audit log keeps what happened), which
 * also keeps the table to the calls of the last TTL.
 */
export const resultTtlMs = () => {
  const v = Number(process.env.GATEHOUSE_MCP_RESULT_TTL_MS);
  return Number.isFinite(v) && v > 0 ? v : 24 * 3_600_000;
};

const RESULT_SWEEP_EVERY_MS = 60_000;
let lastResultSweep = -Infinity;

export const resultContext = (actionId: string) => `mcp-result:${actionId}`;

/** What the model reads (through gatehouse.action_status) for a call the sweep closed. */
export function failedUnknownResult(actionId: string, tool: string) {
  return {
    content: [
      {
        type: "text",
        text: `failed_unknown: Gatehouse started running ${tool} (action ${actionId}) but never recorded how it ended (the instance running it stopped). It may or may not have happened upstream; Gatehouse does not run it again. Check the upstream before retrying.`,
      },
    ],
    isError: true,
    structuredContent: { status: "failed_unknown", action_id: actionId, reason_code: "failed_unknown" },
  };
}

/**
 * The MCP gateway's sweep (every instance, from lib/background.ts; claims are
 * conditional updates, so two instances never close one call twice):
 * - an approved call claimed longer than stuckClaimMs ago and never finished
 *   (its instance crashed between claim and result) is closed as
 *   failed-unknown: never re-run (a write may have happened), audited
 *   (`mcp.call_failed_unknown`), its sealed args deleted, and the model told
 *   through gatehouse.action_status;
 * - an unclaimed call whose action can no longer run (rejected, expired,
 *   cancelled, approved past its window) has its sealed args deleted;
 * - a finished call's row, sealed answer included, is deleted resultTtlMs
 *   after it finished (checked at most once a minute; the first sweep runs it).
 */
export async function sweepMcpCalls(now = new Date(), limit = 100): Promise<{ failedUnknown: number; argsDeleted: number; resultsDeleted: number }> {
  const stuck = await sqlRead((sql) => stuckMcpCalls(sql, new Date(now.getTime() - stuckClaimMs()), limit));
  let failedUnknown = 0;
  for (const c of stuck) {
    const closed = await sqlTransaction(
      atCommit(async (tx: Sql) => {
        const sealedResult = seal(JSON.stringify(failedUnknownResult(c.actionId, c.toolName)), resultContext(c.actionId));
        if (!(await finishStuckMcpCall(tx, { actionId: c.actionId, claimedAt: c.claimedAt, now, sealedResult }))) return false;
        await appendAudit(tx, {
          type: "mcp.call_failed_unknown",
          actorType: "system",
          actorId: null,
          tenantId: c.tenantId,
          env: c.env,
          route: c.routeName,
          tool: c.toolName,
          actionId: c.actionId,
          runId: c.runId,
          status: "error",
          reason: "failed_unknown",
          data: { claimed_at: c.claimedAt.toISOString(), redeemed: c.redeemedAt !== null, stuck_after_ms: stuckClaimMs() },
        });
        return true;
      }),
    );
    if (closed) {
      failedUnknown++;
      metrics().mcpCalls.inc({ outcome: "failed_unknown" });
    }
  }
  const dead = await sqlRead((sql) => mcpCallsWithDeadArgs(sql, now, limit));
  let argsDeleted = 0;
  for (const id of dead) if (await sqlTransaction((tx) => dropMcpCallArgs(tx, id, now))) argsDeleted++;
  let resultsDeleted = 0;
  if (now.getTime() - lastResultSweep >= RESULT_SWEEP_EVERY_MS || now.getTime() < lastResultSweep) {
    lastResultSweep = now.getTime();
    resultsDeleted = await sqlTransaction((tx) => deleteFinishedMcpCalls(tx, new Date(now.getTime() - resultTtlMs()), limit * 10));
  }
  return { failedUnknown, argsDeleted, resultsDeleted };
}

export type McpCallsView = {
  /** Every call being run now, and every failed-unknown one ever: the lists hold the oldest running and the latest failed. */
  running_total: number;
  failed_unknown_total: number;
  running: { action_id: string; tool: string; tenant: string | null; env: string | null; route: string | null; claimed_at: string; stuck: boolean }[];
  failed_unknown: { action_id: string; tool: string | null; tenant: string | null; env: string | null; route: string | null; at: string }[];
};

/** For the admin view: calls being run now (and whether past the stuck bound), and the latest closed as failed-unknown. */
export async function mcpCallsView(now = new Date()): Promise<McpCallsView> {
  const [running, failed, counts] = await sqlRead(async (sql) => [await runningMcpCalls(sql), await failedUnknownMcpCalls(sql), await mcpCallCounts(sql)] as const);
  return {
    // Read a moment apart from the lists: never fewer than they hold.
    running_total: Math.max(counts.running, running.length),
    failed_unknown_total: Math.max(counts.failedUnknown, failed.length),
    running: running.map((r) => ({
      action_id: r.actionId,
      tool: r.toolName,
      tenant: r.tenantId,
      env: r.env,
      route: r.routeName,
      claimed_at: r.claimedAt.toISOString(),
      stuck: now.getTime() - r.claimedAt.getTime() > stuckClaimMs(),
    })),
    failed_unknown: failed.map((f) => ({ action_id: f.actionId, tool: f.tool, tenant: f.tenantId, env: f.env, route: f.route, at: f.at.toISOString() })),
  };
}
