import type { DecisionInput } from "@/lib/policy/decide";
import type { EntityJson } from "@cedar-policy/cedar-wasm/nodejs";
import { parsePolicy } from "@/lib/policy/policy-schema";
import type { Policy, ToolEntry } from "@/lib/policy/types";
import { DEMO_ROUTES, DEMO_TOOLS } from "@/lib/seed/demo-data";
import { rng } from "./decision-fixtures";

/**
 * P1 with argument conditions: support/send plus the essay's rules —
 * refunds up to $20 skip approval, over $500 need two people, e-mail only to
 * our own domain — and the same rules in Cedar. Cedar answers allow/deny per
 * request, so the three-way answer (denied / pending(N) / allowed) takes three
 * requests: `propose` (may it proceed at all), `skip_approval` and
 * `two_approvals`; the bench times each Cedar request and reports both.
 */

const REFUND_MAX = 5000;

export function conditionsFixture(): { policy: Policy; tools: Map<string, ToolEntry>; route: string } {
  const base = DEMO_ROUTES.find((r) => r.name === "support/send")!.policy;
  const policy = parsePolicy({
    ...base,
    conditions: [
      { tool: "refund.create", when: "args.amount_usd <= 20.0", effect: "allow" },
      { tool: "refund.create", when: "args.amount_usd > 500.0", effect: "require_approval", approvals: 2 },
      { tool: "email.send", when: "!args.to.endsWith('@acme.com')", effect: "deny" },
    ],
  });
  const tools = new Map(DEMO_TOOLS.map((t) => [t.name, structuredClone(t)]));
  (tools.get("refund.create")!.argsSchema as { properties: Record<string, { maximum?: number }> }).properties.amount_usd!.maximum = REFUND_MAX;
  return { policy, tools, route: "support/send" };
}

export function conditionInputs(count: number): DecisionInput[] {
  const { policy, tools, route } = conditionsFixture();
  const r = rng(11);
  const now = 1_800_000_000_000;
  return Array.from({ length: count }, (_, i) => {
    const refund = r() < 0.6;
    const toolName = refund ? "refund.create" : "email.send";
    const args = refund
      ? { customer_id: "C-1", order_id: "O-1", amount_usd: Math.round(r() * REFUND_MAX * 100) / 100 + 0.01, reason: "late" }
      : { ticket_id: "T-1", to: r() < 0.7 ? `c${i}@acme.com` : `c${i}@elsewhere.example`, subject: "Hi", body: "Hello" };
    return {
      credentialRoutes: [route],
      routeName: route,
      route: { policy, breakerOpen: false },
      killSwitch: { tenant: false, tool: false },
      toolName,
      tool: tools.get(toolName)!,
      budget: { stepsUsed: 0, stepsMax: 25, nowMs: now, expiresAtMs: now + 60_000, usdUsedMicros: 0, usdMaxMicros: 5_000_000, costMicros: 0 },
      args,
    };
  });
}

/** The same rules in Cedar: the route's lists in its entity (as in P1), the conditions as policies on context.args. */
export function cedarConditionPolicyText(): string {
  return [
    `permit (principal, action == Action::"propose", resource) when { resource has proceed && resource.proceed.contains(context.tool) };`,
    `forbid (principal, action, resource) when { resource has deny && resource.deny.contains(context.tool) };`,
    `forbid (principal, action == Action::"propose", resource) when { context.tool == "email.send" && !(context.args.to like "*@acme.com") };`,
    `permit (principal, action == Action::"skip_approval", resource) when { context.tool == "refund.create" && context.args.amount_cents <= 2000 };`,
    `permit (principal, action == Action::"two_approvals", resource) when { context.tool == "refund.create" && context.args.amount_cents > 50000 };`,
  ].join("\n");
}

export function cedarConditionEntity(policy: Policy, route: string): EntityJson {
  return { uid: { type: "Route", id: route }, attrs: { proceed: [...new Set([...policy.allow_tools, ...policy.require_approval])], deny: policy.deny_tools }, parents: [] };
}

export function cedarConditionRequest(d: DecisionInput, entity: EntityJson, action: "propose" | "skip_approval" | "two_approvals") {
  const a = d.args as { amount_usd?: number; to?: string };
  return {
    principal: { type: "Agent", id: "credential" },
    action: { type: "Action", id: action },
    resource: { type: "Route", id: d.routeName },
    context: { tool: d.toolName, args: { to: a.to ?? "", amount_cents: Math.round((a.amount_usd ?? 0) * 100) } },
    entities: [entity],
  };
}
