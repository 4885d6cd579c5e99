import { decide } from "@/lib/policy/decide";
import type { Policy, ToolEntry } from "@/lib/policy/types";

/**
 * Decisions whose outcome came from the policy and the catalog. Others
 * (kill switch, breaker, budgets, invalid args, idempotency, route access)
 * depend on state a replay does not have, so they are counted as skipped.
 */
const POLICY_REASONS = new Set(["unknown_tool", "tool_denied", "not_allowed", "read_allowed", "auto_approved", "approval_required"]);

export type Outcome = "allowed" | "pending" | "denied";

export type DryRunExample = { seq: number; at: string; tool: string; before: string; after: string };

export type DecisionTransition = { from: Outcome; to: Outcome; count: number; examples: DryRunExample[] };

/** One audited decision as the replay needs it (AuditEvent "action.decided"). */
export type RecordedDecision = { seq: number; at: Date; tool: string | null; reason: string | null };

export type ReplayResult = {
  skipped: number;
  unchanged: number;
  changed: number;
  /** One entry per kind of change, e.g. allowed → denied, with up to 5 examples; most frequent first. */
  transitions: DecisionTransition[];
};

function outcomeOf(reason: string | null): Outcome | null {
  if (!reason || !POLICY_REASONS.has(reason)) return null;
  if (reason === "approval_required") return "pending";
  if (reason === "read_allowed" || reason === "auto_approved") return "allowed";
  return "denied";
}

/** Decide each recorded decision again under `policy` and today's `tools`, and count how many would change and how. Pure. */
export function replayDecisions(policy: Policy, tools: ReadonlyMap<string, ToolEntry>, routeName: string, events: readonly RecordedDecision[]): ReplayResult {
  const byKey = new Map<string, DecisionTransition>();
  let skipped = 0;
  let unchanged = 0;
  for (const e of events) {
    const before = outcomeOf(e.reason);
    if (!before || !e.tool) {
      skipped++;
      continue;
    }
    const d = decide({
      credentialRoutes: [routeName],
      routeName,
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
  return { skipped, unchanged, changed: transitions.reduce((n, t) => n + t.count, 0), transitions };
}
