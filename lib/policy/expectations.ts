import type { Policy, ToolEntry } from "@/lib/policy/types";
import { decide } from "@/lib/policy/decide";

/**
 * Policy tests: an admin's expectation about one route ("support/draft must
 * not allow email.send"). Pure. Every proposed policy version runs them; a
 * failing one blocks the change.
 */
export const EXPECTATION_KINDS = ["denied", "allowed", "requires_approval"] as const;
export type ExpectationKind = (typeof EXPECTATION_KINDS)[number];
export type Expectation = { tool: string; expect: ExpectationKind };

export type ExpectationResult = {
  expectation: Expectation;
  actual: ExpectationKind;
  ok: boolean;
  message: string;
};

const phrase: Record<ExpectationKind, string> = {
  denied: "is denied",
  allowed: "is allowed without approval",
  requires_approval: "requires approval",
};

/** What the policy does with a tool, by the real decision (no kill switches, budgets or args). */
export function policyOutcome(policy: Policy, tools: ReadonlyMap<string, ToolEntry>, routeName: string, toolName: string): ExpectationKind {
  const d = decide({
    credentialRoutes: [routeName],
    routeName,
    route: { policy, breakerOpen: false },
    killSwitch: { tenant: false, tool: false },
    toolName,
    tool: tools.get(toolName) ?? null,
  });
  if (d.outcome === "allowed") return "allowed";
  if (d.outcome === "pending") return "requires_approval";
  return "denied";
}

/** Run a route's expectations against a (proposed) policy. */
export function checkExpectations(policy: Policy, tools: ReadonlyMap<string, ToolEntry>, routeName: string, expectations: readonly Expectation[]): ExpectationResult[] {
  return expectations.map((expectation) => {
    const actual = policyOutcome(policy, tools, routeName, expectation.tool);
    const ok = actual === expectation.expect;
    const want = `${routeName}: ${expectation.tool} ${phrase[expectation.expect]}`;
    const message = ok ? `${want} — holds.` : `${want} — fails: it ${phrase[actual]}.`;
    return { expectation, actual, ok, message };
  });
}
