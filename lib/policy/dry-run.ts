import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { decide } from "@/lib/policy/decide";
import { parsePolicy } from "@/lib/policy/policy-schema";
import { loadToolMap } from "@/lib/policy/propose-policy-change";

/** Default number of recent decisions a dry-run replays. */
export const DRY_RUN_DEFAULT = 1000;
export const DRY_RUN_MAX = 10_000;

/**
 * Decisions whose outcome came from the policy and the catalog. Others
 * (kill switch, breaker, budgets, invalid args, idempotency, route access)
 * depend on state a replay does not have, so they are counted as skipped.
 */
const POLICY_REASONS = new Set(["unknown_tool", "tool_denied", "not_allowed", "read_allowed", "auto_approved", "approval_required"]);

export type Outcome = "allowed" | "pending" | "denied";

export type DryRunExample = { seq: number; at: string; tool: string; before: string; after: string };

export type DryRunResult = {
  route: string;
  /** Decisions read from the audit log (at most `limit`). */
  considered: number;
  skipped: number;
  unchanged: number;
  changed: number;
  /** One entry per kind of change, e.g. allowed → denied, with up to 5 examples. */
  transitions: { from: Outcome; to: Outcome; count: number; examples: DryRunExample[] }[];
  limitations: string;
};

function outcomeOf(reason: string | null): Outcome | null {
  if (!reason || !POLICY_REASONS.has(reason)) return null;
  if (reason === "approval_required") return "pending";
  if (reason === "read_allowed" || reason === "auto_approved") return "allowed";
  return "denied";
}

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
  const byKey = new Map<string, DryRunResult["transitions"][number]>();
  let skipped = 0;
  let unchanged = 0;
  for (const e of events) {
    const before = outcomeOf(e.reason);
    if (!before || !e.tool) {
      skipped++;
      continue;
    }
    const d = decide({
      credentialRoutes: [route.name],
      routeName: route.name,
      route: { policy, breakerOpen: false },
      killSwitch: { tenant: false, tool: false },
      toolName: e.tool,
      tool: tools.get(e.tool) ?? null,
    });
    const after: Outcome = d.outcome === "allowed" ? "allowed" : d.outcome === "pending" ? "pending" : "denied";
    if (after === before) {
      unchanged++;
      continue;
    }
    const key = `${before}>${after}`;
    const t = byKey.get(key) ?? { from: before, to: after, count: 0, examples: [] };
    t.count++;
    if (t.examples.length < 5) {
      t.examples.push({ seq: e.seq, at: e.at.toISOString(), tool: e.tool, before: e.reason ?? before, after: d.reason });
    }
    byKey.set(key, t);
  }
  const transitions = [...byKey.values()].sort((a, b) => b.count - a.count);
  return {
    route: route.name,
    considered: events.length,
    skipped,
    unchanged,
    changed: transitions.reduce((n, t) => n + t.count, 0),
    transitions,
    limitations:
      "Replayed with the policy and today's catalog only: no kill switches, circuit breaker, budgets or argument checks. Decisions refused for those reasons are skipped.",
  };
}
