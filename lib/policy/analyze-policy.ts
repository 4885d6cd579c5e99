import { branchLabel, cellLabel } from "@/lib/policy/decision-matrix";
import { matricesOf } from "@/lib/policy/semantic-diff";
import type { Policy, ToolEntry, ToolKind } from "@/lib/policy/types";

/**
 * The analyzer shown in the editor before saving: entries that do nothing
 * (dead), names the catalog does not have, and the effective outcome per
 * catalog tool — computed with decide() through the decision matrix. Pure.
 */

export type FindingKind =
  "unknown_tool" | "auto_approve_without_grant" | "auto_approve_overridden" | "auto_approve_no_effect" | "two_lists" | "condition_unreachable" | "condition_no_effect";

export type Finding = { tool: string; kind: FindingKind; message: string };

export type EffectiveRow = { key: string; tool: string; kind: ToolKind; branch?: string; outcome: string; reason: string; lists: string[]; current?: string };

export type PolicyAnalysis = { findings: Finding[]; table: EffectiveRow[] };

const LISTS = ["allow_tools", "require_approval", "auto_approve", "deny_tools"] as const;

export function analyzePolicy(policy: Policy, tools: ReadonlyMap<string, ToolEntry>, current?: Policy): PolicyAnalysis {
  const findings: Finding[] = [];
  const mentioned = new Set(LISTS.flatMap((l) => policy[l]));
  for (const name of mentioned) {
    const t = tools.get(name);
    const inList = (l: (typeof LISTS)[number]) => policy[l].includes(name);
    if (!t) {
      findings.push({ tool: name, kind: "unknown_tool", message: `${name} is not in the catalog: denied as unknown until it is added (and then judged by these lists).` });
      continue;
    }
    if (inList("allow_tools") && inList("require_approval")) {
      findings.push({ tool: name, kind: "two_lists", message: `${name} is in allow_tools and require_approval: require_approval wins, the allow_tools entry does nothing.` });
    }
    if (inList("auto_approve")) {
      if (inList("require_approval")) {
        findings.push({
          tool: name,
          kind: "auto_approve_overridden",
          message: `${name} is in auto_approve and require_approval: require_approval wins, auto_approve does nothing.`,
        });
      } else if (!inList("allow_tools")) {
        findings.push({
          tool: name,
          kind: "auto_approve_without_grant",
          message: `${name} is in auto_approve but not in allow_tools: auto_approve grants nothing, so it is denied.`,
        });
      } else if (t.kind === "destructive") {
        findings.push({ tool: name, kind: "auto_approve_no_effect", message: `${name} is destructive: auto_approve never applies, it always needs two people.` });
      } else if (t.kind === "read") {
        findings.push({ tool: name, kind: "auto_approve_no_effect", message: `${name} is a read: auto_approve only skips approval for writes.` });
      }
    }
  }
  (policy.conditions ?? []).forEach((c, i) => {
    const t = tools.get(c.tool);
    if (!t) return; // refused at save (checkConditions)
    const granted = !policy.deny_tools.includes(c.tool) && (policy.allow_tools.includes(c.tool) || policy.require_approval.includes(c.tool));
    if (!granted) {
      findings.push({ tool: c.tool, kind: "condition_unreachable", message: `Condition ${i + 1} (${c.when}) is unreachable: the lists deny ${c.tool} before any condition runs.` });
    } else if (c.effect === "allow" && t.kind === "destructive") {
      findings.push({ tool: c.tool, kind: "condition_no_effect", message: `Condition ${i + 1} (${c.when}) cannot allow ${c.tool}: a destructive tool always needs two people.` });
    }
  });
  const { before, after } = matricesOf(current ?? policy, policy, tools);
  const keyOf = (r: (typeof after.rows)[number]) => r.tool + (r.branch ? ` ${branchLabel(r.branch)}` : "");
  const was = new Map(before.rows.filter((r) => r.inCatalog).map((r) => [keyOf(r), cellLabel(r.cell)]));
  const table: EffectiveRow[] = after.rows
    .filter((r) => r.inCatalog)
    .map((r) => ({
      key: keyOf(r),
      tool: r.tool,
      kind: r.kind,
      ...(r.branch ? { branch: branchLabel(r.branch) } : {}),
      outcome: cellLabel(r.cell),
      reason: r.cell.outcome === "pending" ? "approval_required" : r.cell.reason,
      lists: LISTS.filter((l) => policy[l].includes(r.tool)),
      ...(current ? { current: was.get(keyOf(r)) } : {}),
    }));
  return { findings: findings.sort((a, b) => (a.tool < b.tool ? -1 : a.tool > b.tool ? 1 : 0)), table };
}
