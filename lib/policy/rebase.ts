import { mentionedTools } from "@/lib/policy/decision-matrix";
import type { Policy } from "@/lib/policy/types";

/**
 * Rebase a proposal made against `base` onto the `active` version: the
 * author's own edits (what differs between base and proposed, per tool and
 * per setting) are applied on top of active; everything the author did not
 * touch keeps active's value, so a narrowing made in the meantime survives.
 * A conflict (both sides changed the same tool or setting differently) takes
 * the author's value and is reported, so the new diff shows it. Pure.
 */

const LISTS = ["allow_tools", "require_approval", "auto_approve", "deny_tools"] as const;

const placement = (p: Policy, tool: string) => LISTS.map((l) => (p[l].includes(tool) ? "1" : "0")).join("");

type Scalar = { get: (p: Policy) => unknown; path: string };
const SCALARS: Scalar[] = [
  { path: "budgets.steps", get: (p) => p.budgets.steps },
  { path: "budgets.seconds", get: (p) => p.budgets.seconds },
  { path: "budgets.usd", get: (p) => p.budgets.usd },
  { path: "audit.enabled", get: (p) => p.audit.enabled },
  { path: "approval.write_approvals", get: (p) => p.approval.write_approvals },
  { path: "approval.pending_ttl_seconds", get: (p) => p.approval.pending_ttl_seconds },
  { path: "approval.escalate_after_seconds", get: (p) => p.approval.escalate_after_seconds },
  { path: "approval.reads_require_approval", get: (p) => p.approval.reads_require_approval },
  { path: "approval.valid_seconds", get: (p) => p.approval.valid_seconds },
];

export function rebasePolicy(base: Policy, active: Policy, proposed: Policy): { policy: Policy; conflicts: string[] } {
  const conflicts: string[] = [];
  const pick = <T>(what: string, b: T, a: T, p: T, same: (x: T, y: T) => boolean): T => {
    if (same(p, b)) return a;
    if (!same(a, b) && !same(a, p)) conflicts.push(what);
    return p;
  };
  const eq = (x: unknown, y: unknown) => x === y;

  const tools = [...new Set([...mentionedTools(active), ...mentionedTools(proposed), ...mentionedTools(base)])];
  const merged = new Map(tools.map((t) => [t, pick(t, placement(base, t), placement(active, t), placement(proposed, t), eq)]));
  const list = (i: number, l: (typeof LISTS)[number]) => [...new Set([...active[l], ...proposed[l], ...base[l]])].filter((t) => merged.get(t)![i] === "1");

  // Conditions move per tool, as a unit (the author's conditions on a tool, or active's when the author did not touch them).
  const condTools = [...new Set([...(base.conditions ?? []), ...(active.conditions ?? []), ...(proposed.conditions ?? [])].map((c) => c.tool))];
  const condsOf = (p: Policy, t: string) => JSON.stringify((p.conditions ?? []).filter((c) => c.tool === t));
  const conds = condTools.flatMap(
    (t) => JSON.parse(pick(`conditions on ${t}`, condsOf(base, t), condsOf(active, t), condsOf(proposed, t), eq)) as NonNullable<Policy["conditions"]>,
  );
  const s = Object.fromEntries(SCALARS.map((x) => [x.path, pick(x.path, x.get(base), x.get(active), x.get(proposed), eq)]));
  const approval: Policy["approval"] = {
    write_approvals: s["approval.write_approvals"] as number,
    pending_ttl_seconds: s["approval.pending_ttl_seconds"] as number,
    escalate_after_seconds: s["approval.escalate_after_seconds"] as number,
    reads_require_approval: s["approval.reads_require_approval"] as boolean,
  };
  if (s["approval.valid_seconds"] !== undefined) approval.valid_seconds = s["approval.valid_seconds"] as number;
  return {
    policy: {
      allow_tools: list(0, "allow_tools"),
      require_approval: list(1, "require_approval"),
      auto_approve: list(2, "auto_approve"),
      deny_tools: list(3, "deny_tools"),
      budgets: { steps: s["budgets.steps"] as number, seconds: s["budgets.seconds"] as number, usd: s["budgets.usd"] as number },
      ...(conds.length ? { conditions: conds } : {}),
      audit: { enabled: s["audit.enabled"] as boolean },
      approval,
    },
    conflicts,
  };
}
