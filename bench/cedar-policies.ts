import type { DecisionInput } from "@/lib/policy/decide";
import type { EntityJson } from "@cedar-policy/cedar-wasm/nodejs";
import type { PolicyFixture } from "./decision-fixtures";

/**
 * The same policies written in Cedar, for the baseline. Cedar answers only
 * allow/deny, so "allow" here means decide() would let the call proceed
 * (allowed or pending); the approval count is not modelled. Deny-by-default
 * is Cedar's own; every deny step of decide() is a `forbid`. Policies are
 * generic; each route's lists live in its entity (cedarRouteEntities).
 */
export function cedarPolicyText(): string {
  return [
    `permit (principal, action == Action::"propose", resource) when { resource has proceed && resource.proceed.contains(context.tool) };`,
    `forbid (principal, action, resource) when { resource has deny && resource.deny.contains(context.tool) };`,
    `forbid (principal, action, resource) unless { context.credential_routes.contains(context.route) };`,
    `forbid (principal, action, resource) when { context.kill_tenant || context.kill_tool || context.breaker_open || !context.tool_known };`,
    `forbid (principal, action, resource) when { context.steps_used >= context.steps_max || context.now_ms >= context.expires_at_ms || context.usd_used + context.cost > context.usd_max };`,
  ].join("\n");
}

/**
 * Each route as a Cedar entity whose attributes are its tool lists — the
 * idiomatic Cedar shape (a few generic policies, data in entities), which is
 * far faster in Cedar than one policy per route with set literals.
 */
export function cedarRouteEntities(f: PolicyFixture): Map<string, EntityJson> {
  return new Map(
    f.routes.map((r) => [
      r.name,
      {
        uid: { type: "Route", id: r.name },
        attrs: { proceed: [...new Set([...r.policy.allow_tools, ...r.policy.require_approval])], deny: r.policy.deny_tools },
        parents: [],
      },
    ]),
  );
}

/** One decision input as a Cedar request (everything the policies read is in the context). */
export function cedarRequest(d: DecisionInput, routes: Map<string, EntityJson>) {
  const entity = routes.get(d.routeName);
  const b = d.budget!;
  return {
    principal: { type: "Agent", id: "credential" },
    action: { type: "Action", id: "propose" },
    resource: { type: "Route", id: d.routeName },
    context: {
      route: d.routeName,
      tool: d.toolName,
      credential_routes: [...d.credentialRoutes],
      kill_tenant: d.killSwitch.tenant,
      kill_tool: d.killSwitch.tool,
      breaker_open: d.route?.breakerOpen ?? false,
      tool_known: d.tool !== null && d.tool.name === d.toolName,
      steps_used: b.stepsUsed,
      steps_max: b.stepsMax,
      // Cedar Longs are 64-bit; epoch ms fits.
      now_ms: b.nowMs,
      expires_at_ms: b.expiresAtMs,
      usd_used: b.usdUsedMicros,
      usd_max: b.usdMaxMicros,
      cost: b.costMicros,
    },
    // The caller hands Cedar the one route entity the request touches.
    entities: entity ? [entity] : [],
  };
}
