import { decide, type Decision } from "./policy/decide";
import type { Policy, ToolEntry } from "./policy/types";

/**
 * Test a policy bundle in your own CI with the engine itself (the essay's
 * "policies are code" tests). Pure: no server, no network.
 *
 *   const policy = policyTester(bundle);            // bundle = JSON from `gatehouse policy export`
 *   expect(policy("support/draft").allows("email.send")).toBe(false);
 *   expect(policy("support/send").requiresApproval("email.send")).toBe(true);
 *   expect(policy("support/send").allows("refund.create", { ..., amount_usd: 10 })).toBe(true);
 *
 * "allows" means allowed without a human; pass `args` to evaluate the
 * policy's argument conditions (without args only the lists decide, and
 * argument checks against the schema are not run).
 */
export type BundleLike = { routes: { name: string; policy: Policy }[]; catalog: ToolEntry[] };

export type RoutePolicyTester = {
  decision: (tool: string, args?: unknown) => Decision;
  allows: (tool: string, args?: unknown) => boolean;
  requiresApproval: (tool: string, args?: unknown) => boolean;
  denies: (tool: string, args?: unknown) => boolean;
  /** Approvals a pending call needs (0 when it is not pending). */
  approvalsRequired: (tool: string, args?: unknown) => number;
};

export function policy(bundle: BundleLike, routeName: string): RoutePolicyTester {
  const route = bundle.routes.find((r) => r.name === routeName);
  if (!route) throw new Error(`The bundle has no route named ${routeName}.`);
  const tools = new Map(bundle.catalog.map((t) => [t.name, t]));
  const decision = (tool: string, args?: unknown) =>
    decide({
      credentialRoutes: [routeName],
      routeName,
      route: { policy: route.policy, breakerOpen: false },
      killSwitch: { tenant: false, tool: false },
      toolName: tool,
      tool: tools.get(tool) ?? null,
      ...(args === undefined ? {} : { args }),
    });
  return {
    decision,
    allows: (t, a) => decision(t, a).outcome === "allowed",
    requiresApproval: (t, a) => decision(t, a).outcome === "pending",
    denies: (t, a) => decision(t, a).outcome === "denied",
    approvalsRequired: (t, a) => {
      const d = decision(t, a);
      return d.outcome === "pending" ? d.approvalsRequired : 0;
    },
  };
}

/** `policy` bound to one bundle: `const p = policyTester(bundle); p("support/draft").allows("email.send")`. */
export function policyTester(bundle: BundleLike): (routeName: string) => RoutePolicyTester {
  return (routeName) => policy(bundle, routeName);
}
