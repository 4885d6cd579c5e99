import "server-only";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { loadToolMap } from "@/lib/catalog/load-tool-map";
import { checkPolicy, parseStoredPolicy, unknownTools } from "@/lib/policy/policy-schema";
import { comparePolicies, type PolicyComparison } from "@/lib/policy/semantic-diff";
import { analyzePolicy, type PolicyAnalysis } from "@/lib/policy/analyze-policy";
import { checkExpectations, type ExpectationResult } from "@/lib/policy/expectations";
import { checkConditions } from "@/lib/policy/conditions";
import { loadExpectations } from "@/lib/policy-changes/policy-versions";
import type { FieldIssue } from "@/lib/errors";

export type PolicyPreview =
  | { valid: false; issues: FieldIssue[] }
  | {
      valid: true;
      activeVersion: number;
      unknownTools: string[];
      comparison: PolicyComparison;
      analysis: PolicyAnalysis;
      expectations: ExpectationResult[];
      needsSecondAdmin: boolean;
      blocked: boolean;
    };

/** What saving this draft would do, without saving: validation, the analyzer, changed cells, the route's tests. */
export async function previewPolicyChange(routeName: string, draft: unknown): Promise<PolicyPreview> {
  const checked = checkPolicy(draft);
  if (!checked.ok) return { valid: false, issues: checked.issues };
  const route = await db().route.findUnique({ where: { name: routeName } });
  if (!route) throw new AppError("not_found", `No route named ${routeName}.`);
  const active = await db().policyVersion.findUnique({ where: { routeId_version: { routeId: route.id, version: route.activeVersion } } });
  const current = parseStoredPolicy(active?.policy ?? "");
  if (!current) throw new AppError("conflict", `The route ${routeName} has no readable active policy.`);
  const tools = await loadToolMap(db());
  const conditionIssues = checkConditions(checked.policy, tools);
  if (conditionIssues.length) return { valid: false, issues: conditionIssues };
  const comparison = comparePolicies(current, checked.policy, tools);
  const expectations = checkExpectations(checked.policy, tools, route.name, await loadExpectations(db(), route.id));
  return {
    valid: true,
    activeVersion: route.activeVersion,
    unknownTools: unknownTools(checked.policy, tools.keys()),
    comparison,
    analysis: analyzePolicy(checked.policy, tools, current),
    expectations,
    needsSecondAdmin: comparison.widening.length > 0,
    blocked: expectations.some((e) => !e.ok),
  };
}
