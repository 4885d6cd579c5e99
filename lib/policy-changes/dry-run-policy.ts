import "server-only";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { loadToolMap } from "@/lib/catalog/load-tool-map";
import { parsePolicy } from "@/lib/policy/policy-schema";
import { replayDecisions, type DecisionTransition } from "@/lib/policy/replay-decisions";

/** Default number of recent decisions a dry-run replays. */
export const DRY_RUN_DEFAULT = 1000;
export const DRY_RUN_MAX = 10_000;

export type DryRunResult = {
  route: string;
  /** Decisions read from the audit log (at most `limit`). */
  considered: number;
  skipped: number;
  unchanged: number;
  changed: number;
  /** One entry per kind of change, e.g. allowed → denied, with up to 5 examples. */
  transitions: DecisionTransition[];
  limitations: string;
};

/**
 * Replay the route's last `limit` audited decisions (AuditEvent
 * "action.decided", newest first) under a draft policy and count how many
 * would change and how. Read-only.
 */
export async function dryRunPolicy(input: { route: string; policy: unknown; limit?: number }): Promise<DryRunResult> {
  const policy = parsePolicy(input.policy);
  const limit = Math.min(Math.max(1, Math.floor(input.limit ?? DRY_RUN_DEFAULT)), DRY_RUN_MAX);
  const route = await db().route.findUnique({ where: { name: input.route } });
  if (!route) throw new AppError("not_found", `No route named ${input.route}.`);
  const tools = await loadToolMap(db());
  const events = await db().auditEvent.findMany({
    where: { type: "action.decided", route: route.name },
    orderBy: { seq: "desc" },
    take: limit,
    select: { seq: true, at: true, tool: true, reason: true },
  });
  return {
    route: route.name,
    considered: events.length,
    ...replayDecisions(
      policy,
      tools,
      route.name,
      events.map((e) => ({ ...e, seq: Number(e.seq) })),
    ),
    limitations:
      "Replayed with the policy and today's catalog only: no kill switches, circuit breaker, budgets, argument checks or argument conditions (the audit log keeps no args; the changed cells above cover every condition branch). Decisions refused for those reasons are skipped.",
  };
}
