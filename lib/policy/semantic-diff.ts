import {
  branchLabel,
  cellLabel,
  comparePermissiveness,
  conditionPredicates,
  decisionMatrix,
  mentionedTools,
  type DecisionMatrix,
  type MatrixRow,
  type MatrixSettings,
} from "@/lib/policy/decision-matrix";
import type { Policy, ToolEntry, ToolKind } from "@/lib/policy/types";

/**
 * Classify a policy change by what the engine does, not by how the lists
 * read: both versions' decision matrices are computed with `decide()` and
 * compared cell by cell. A change widens exactly when some cell becomes more
 * permissive (denied < pending(2) < pending(1) < allowed; higher budgets,
 * fewer approvals, reads no longer reviewed, a longer approval window, audit
 * off). Widening needs a second admin; everything else applies at once. Pure.
 */

export type CellEffect = "widens" | "narrows" | "neutral";

export type CellChange = {
  /** "ticket.close", "budgets.steps", or for a name not in the catalog "x.y#write". */
  key: string;
  from: string;
  to: string;
  effect: CellEffect;
  /** "ticket.close: pending(1) → denied" — what the editor, the API and the second admin see. */
  text: string;
  tool?: string;
  kind?: ToolKind;
  inCatalog?: boolean;
  /** Why a widening could not be proven away (argument conditions that differ between the versions). */
  why?: string;
};

export type PolicyComparison = {
  /** Every changed cell, tools first (by name), then settings. */
  changes: CellChange[];
  /** The texts of the widening / narrowing / neutral changes (derived from `changes`). */
  widening: string[];
  narrowing: string[];
  neutral: string[];
};

type SettingRule = { key: keyof MatrixSettings; path: string; wider: (before: number | boolean, after: number | boolean) => CellEffect };

const higherIsWider = (a: number | boolean, b: number | boolean): CellEffect => (b > a ? "widens" : "narrows");
const lowerIsWider = (a: number | boolean, b: number | boolean): CellEffect => (b < a ? "widens" : "narrows");
const neutral = (): CellEffect => "neutral";

const SETTINGS: SettingRule[] = [
  { key: "steps", path: "budgets.steps", wider: higherIsWider },
  { key: "seconds", path: "budgets.seconds", wider: higherIsWider },
  { key: "usd", path: "budgets.usd", wider: higherIsWider },
  { key: "write_approvals", path: "approval.write_approvals", wider: lowerIsWider },
  // true → false widens (reads stop being reviewed)
  { key: "reads_require_approval", path: "approval.reads_require_approval", wider: (a) => (a ? "widens" : "narrows") },
  { key: "valid_seconds", path: "approval.valid_seconds", wider: higherIsWider },
  // on → off widens (actions stop being recorded as the policy asks)
  { key: "audit", path: "audit.enabled", wider: (a) => (a ? "widens" : "narrows") },
  { key: "pending_ttl_seconds", path: "approval.pending_ttl_seconds", wider: neutral },
  { key: "escalate_after_seconds", path: "approval.escalate_after_seconds", wider: neutral },
];

const rowKey = (r: MatrixRow) => (r.inCatalog ? r.tool : `${r.tool}#${r.kind}`) + (r.branch ? ` ${branchLabel(r.branch)}` : "");

/** Compare two matrices computed over the same tools (see comparePolicies). */
export function compareMatrices(before: DecisionMatrix, after: DecisionMatrix): CellChange[] {
  const out: CellChange[] = [];
  const old = new Map(before.rows.map((r) => [rowKey(r), r]));
  for (const r of after.rows) {
    const key = rowKey(r);
    const b = old.get(key);
    old.delete(key);
    // A row only one side has (the catalog changed between the two): judge it against "denied", which an absent tool is.
    const from = b ? b.cell : ({ outcome: "denied", reason: "unknown_tool" } as const);
    const cmp = comparePermissiveness(r.cell, from);
    if (cmp === 0 && cellLabel(from) === cellLabel(r.cell)) continue;
    const name = (r.inCatalog ? r.tool : `${r.tool} (not in the catalog; if added as a ${r.kind})`) + (r.branch ? ` ${branchLabel(r.branch)}` : "");
    const effect = cmp > 0 ? "widens" : cmp < 0 ? "narrows" : "neutral";
    const changedConditions = !!r.branch && !sameSet(r.branch.own, b?.branch?.own ?? []);
    out.push({
      key,
      tool: r.tool,
      kind: r.kind,
      inCatalog: r.inCatalog,
      from: cellLabel(from),
      to: cellLabel(r.cell),
      effect,
      text: `${name}: ${cellLabel(from)} → ${cellLabel(r.cell)}`,
      ...(effect === "widens" && changedConditions
        ? { why: `The conditions on ${r.tool} differ between the versions; Gatehouse cannot prove that this case never occurs, so it counts as widening.` }
        : {}),
    });
  }
  for (const [key, b] of old) {
    if (b.cell.outcome === "denied") continue;
    out.push({
      key,
      tool: b.tool,
      kind: b.kind,
      inCatalog: b.inCatalog,
      from: cellLabel(b.cell),
      to: "denied",
      effect: "narrows",
      text: `${b.tool}: ${cellLabel(b.cell)} → denied`,
    });
  }
  for (const s of SETTINGS) {
    const a = before.settings[s.key];
    const b = after.settings[s.key];
    if (a === b) continue;
    out.push({ key: s.path, from: String(a), to: String(b), effect: s.wider(a, b), text: `${s.path}: ${a} → ${b}` });
  }
  return out;
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/** Both versions' matrices over the catalog plus every name either version mentions, with the same condition branches. */
export function matricesOf(current: Policy, proposed: Policy, tools: ReadonlyMap<string, ToolEntry>): { before: DecisionMatrix; after: DecisionMatrix } {
  const extra = [...new Set([...mentionedTools(current), ...mentionedTools(proposed)])];
  const preds = conditionPredicates(current, proposed);
  return { before: decisionMatrix(current, tools, extra, "route", preds), after: decisionMatrix(proposed, tools, extra, "route", preds) };
}

export function summarize(changes: CellChange[]): PolicyComparison {
  const pick = (e: CellEffect) => changes.filter((c) => c.effect === e).map((c) => (c.why ? `${c.text} (${c.why})` : c.text));
  return { changes, widening: pick("widens"), narrowing: pick("narrows"), neutral: pick("neutral") };
}

/** Compare the current version with a proposed one over the catalog `tools`. */
export function comparePolicies(current: Policy, proposed: Policy, tools: ReadonlyMap<string, ToolEntry> = new Map()): PolicyComparison {
  const { before, after } = matricesOf(current, proposed, tools);
  return summarize(compareMatrices(before, after));
}

/** True when the change needs a second admin before it takes effect. */
export function isWidening(current: Policy, proposed: Policy, tools: ReadonlyMap<string, ToolEntry> = new Map()): boolean {
  return comparePolicies(current, proposed, tools).widening.length > 0;
}

/**
 * The cells a stale proposal would undo: changed between its base and the
 * active version, and set differently by the proposal than by the active
 * version. Approving it would silently lose these.
 */
export function lostCells(base: Policy, active: Policy, proposed: Policy, tools: ReadonlyMap<string, ToolEntry>): CellChange[] {
  const extra = [...new Set([...mentionedTools(base), ...mentionedTools(active), ...mentionedTools(proposed)])];
  const preds = conditionPredicates(base, active, proposed);
  const [mb, ma, mp] = [base, active, proposed].map((p) => decisionMatrix(p, tools, extra, "route", preds));
  const sinceBase = new Set(compareMatrices(mb!, ma!).map((c) => c.key));
  return compareMatrices(ma!, mp!).filter((c) => sinceBase.has(c.key));
}
