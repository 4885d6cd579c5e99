import { decide } from "@/lib/policy/decide";
import { combine } from "@/lib/policy/conditions";
import { APPROVAL_VALID_DEFAULT_SECONDS, TOOL_KINDS, type Policy, type ReasonCode, type ToolEntry, type ToolKind } from "@/lib/policy/types";

/**
 * A policy version's decision matrix: what `decide()` itself does with every
 * tool, plus the settings that are not per tool (budgets, approval settings,
 * audit). The semantic diff compares two matrices; nothing here reads the
 * policy's lists directly. Pure: no I/O.
 */

/** One cell's outcome. Invalid arguments are not a policy outcome, so a cell is one of these three. */
export type Cell = { outcome: "denied"; reason: ReasonCode } | { outcome: "pending"; approvals: number } | { outcome: "allowed"; reason: ReasonCode };

export type MatrixRow = {
  tool: string;
  kind: ToolKind;
  /**
   * false for a name the policy mentions that the catalog does not have: the row
   * says what the policy would do if the tool were added with this kind
   * (three rows, one per kind), so a change that only matters after a catalog
   * addition is still judged.
   */
  inCatalog: boolean;
  cell: Cell;
  /**
   * For a tool with argument conditions (in either version compared): which of
   * the conditions (by their CEL text, `all`) match in this row; every
   * combination is a row. `own` is this version's conditions on the tool.
   */
  branch?: { matched: string[]; all: string[]; own: string[] };
};

export type MatrixSettings = {
  steps: number;
  seconds: number;
  usd: number;
  write_approvals: number;
  reads_require_approval: boolean;
  valid_seconds: number;
  audit: boolean;
  /** Neutral: shown, never widening or narrowing. */
  pending_ttl_seconds: number;
  escalate_after_seconds: number;
};

export type DecisionMatrix = { rows: MatrixRow[]; settings: MatrixSettings };

/** A cell as the editor shows it: `denied`, `pending(2)`, `allowed`. */
export function cellLabel(c: Cell): string {
  return c.outcome === "pending" ? `pending(${c.approvals})` : c.outcome;
}

/**
 * The permissiveness order: denied < pending(n) < pending(m) for n > m < allowed.
 * Returns a negative number when `a` is stricter than `b`, 0 when they are as
 * permissive, positive when `a` is more permissive.
 */
export function comparePermissiveness(a: Cell, b: Cell): number {
  const rank = (c: Cell) => (c.outcome === "denied" ? 0 : c.outcome === "pending" ? 1 : 2);
  const d = rank(a) - rank(b);
  if (d !== 0) return d;
  if (a.outcome === "pending" && b.outcome === "pending") return b.approvals - a.approvals;
  return 0;
}

/** The cell decide() gives for one tool under `policy` (route reachable, no kill switch, no breaker, no budget or argument check). */
export function cellFor(policy: Policy, routeName: string, tool: ToolEntry | null, toolName: string): Cell {
  const d = decide({
    credentialRoutes: [routeName],
    routeName,
    route: { policy, breakerOpen: false },
    killSwitch: { tenant: false, tool: false },
    toolName,
    tool,
  });
  if (d.outcome === "pending") return { outcome: "pending", approvals: d.approvalsRequired };
  if (d.outcome === "allowed") return { outcome: "allowed", reason: d.reason };
  // "invalid" cannot happen without validateArgs; fail closed if it ever does.
  return { outcome: "denied", reason: d.outcome === "denied" ? d.reason : "invalid_args" };
}

/** Names a policy mentions in any list. */
export function mentionedTools(policy: Policy): string[] {
  return [...new Set([...policy.allow_tools, ...policy.require_approval, ...policy.auto_approve, ...policy.deny_tools])];
}

const hypothetical = (name: string, kind: ToolKind): ToolEntry => ({
  name,
  kind,
  description: "",
  argsSchema: {},
  summaryTemplate: "",
  blastRadius: { scope: "", records: 0, description: "" },
  undo: { reversible: false, note: "" },
});

/**
 * The matrix of `policy` over every catalog tool, and over `extraNames` (names
 * not in the catalog, judged once per possible kind). Rows are sorted by tool
 * name, then kind.
 */
export function decisionMatrix(
  policy: Policy,
  tools: ReadonlyMap<string, ToolEntry>,
  extraNames: Iterable<string> = mentionedTools(policy),
  routeName = "route",
  predicates: ReadonlyMap<string, readonly string[]> = conditionPredicates(policy),
): DecisionMatrix {
  const rows: MatrixRow[] = [];
  for (const t of tools.values()) {
    const cell = cellFor(policy, routeName, t, t.name);
    const all = predicates.get(t.name);
    if (!all?.length) {
      rows.push({ tool: t.name, kind: t.kind, inCatalog: true, cell });
      continue;
    }
    const mine = (policy.conditions ?? []).filter((c) => c.tool === t.name);
    const own = [...new Set(mine.map((c) => c.when))];
    // Every combination of matching conditions is a branch (conditions are not assumed to exclude each other).
    for (let mask = 0; mask < 1 << all.length; mask++) {
      const matched = all.filter((_, i) => mask & (1 << i));
      const base =
        cell.outcome === "pending"
          ? { outcome: "pending" as const, approvals: cell.approvals }
          : cell.outcome === "allowed"
            ? { outcome: "allowed" as const }
            : { outcome: "denied" as const };
      const c = combine(
        base,
        t.kind,
        policy.approval.write_approvals,
        mine.filter((m) => matched.includes(m.when)),
      );
      const branchCell: Cell = !c
        ? cell
        : c.outcome === "denied"
          ? { outcome: "denied", reason: "tool_denied" }
          : c.outcome === "pending"
            ? { outcome: "pending", approvals: c.approvals }
            : { outcome: "allowed", reason: t.kind === "read" ? "read_allowed" : "auto_approved" };
      rows.push({ tool: t.name, kind: t.kind, inCatalog: true, cell: branchCell, branch: { matched, all: [...all], own } });
    }
  }
  for (const name of new Set(extraNames)) {
    if (tools.has(name)) continue;
    for (const kind of TOOL_KINDS) rows.push({ tool: name, kind, inCatalog: false, cell: cellFor(policy, routeName, hypothetical(name, kind), name) });
  }
  // Stable sort: branches of one tool keep their enumeration order.
  rows.sort((a, b) => (a.tool === b.tool ? TOOL_KINDS.indexOf(a.kind) - TOOL_KINDS.indexOf(b.kind) : a.tool < b.tool ? -1 : 1));
  const a = policy.approval;
  return {
    rows,
    settings: {
      steps: policy.budgets.steps,
      seconds: policy.budgets.seconds,
      usd: policy.budgets.usd,
      write_approvals: Math.max(1, a.write_approvals),
      reads_require_approval: a.reads_require_approval,
      valid_seconds: a.valid_seconds ?? APPROVAL_VALID_DEFAULT_SECONDS,
      audit: policy.audit.enabled,
      pending_ttl_seconds: a.pending_ttl_seconds,
      escalate_after_seconds: a.escalate_after_seconds,
    },
  };
}

/** Each tool's distinct condition texts, in order; merge two versions' maps with mergePredicates. */
export function conditionPredicates(...policies: Policy[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of policies) {
    for (const c of p.conditions ?? []) {
      const list = out.get(c.tool) ?? [];
      if (!list.includes(c.when)) list.push(c.when);
      out.set(c.tool, list);
    }
  }
  return out;
}

/** How a branch reads: "when args.amount_usd <= 20.0", "when no condition matches". */
export function branchLabel(b: NonNullable<MatrixRow["branch"]>): string {
  return b.matched.length === 0 ? "when no condition matches" : `when ${b.matched.join(" and ")}`;
}
