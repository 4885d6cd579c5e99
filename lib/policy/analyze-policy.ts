import { cellLabel, decisionMatrix } from "@/lib/policy/decision-matrix";
import type { Policy, ToolEntry, ToolKind } from "@/lib/policy/types";

/**
 * The analyzer shown in the editor before saving: entries that do nothing
 * (dead), names the catalog does not have, and the effective outcome per
 * catalog tool — computed with decide() through the decision matrix. Pure.
 */

export type FindingKind = "unknown_tool" | "auto_approve_without_grant" | "auto_approve_overridden" | "auto_approve_no_effect" | "two_lists";

export type Finding = { tool: string; kind: FindingKind; message: string };

export type EffectiveRow = { tool: string; kind: ToolKind; outcome: string; reason: string; lists: string[]; current?: string };

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
  const now = decisionMatrix(policy, tools, []);
  const before = current ? new Map(decisionMatrix(current, tools, []).rows.map((r) => [r.tool, cellLabel(r.cell)])) : null;
  const table: EffectiveRow[] = now.rows.map((r) => ({
    tool: r.tool,
    kind: r.kind,
    outcome: cellLabel(r.cell),
    reason: r.cell.outcome === "pending" ? "approval_required" : r.cell.reason,
    lists: LISTS.filter((l) => policy[l].includes(r.tool)),
    ...(before ? { current: before.get(r.tool) } : {}),
  }));
  return { findings: findings.sort((a, b) => (a.tool < b.tool ? -1 : a.tool > b.tool ? 1 : 0)), table };
}
