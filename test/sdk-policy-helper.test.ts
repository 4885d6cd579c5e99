import { describe, expect, it } from "vitest";
import { policyTester, policy } from "@gatehouse-dev/sdk";
import { parsePolicy } from "@/lib/policy/policy-schema";
import { DEMO_ROUTES, DEMO_TOOLS } from "@/lib/seed/demo-data";

// How a team tests its exported bundle in its own CI (the essay's tests), with the SDK's helper and the real engine.
const bundle = {
  routes: [
    ...DEMO_ROUTES.map((r) => ({ name: r.name, policy: r.policy })),
    {
      name: "support/refunds",
      policy: parsePolicy({
        ...DEMO_ROUTES.find((r) => r.name === "support/send")!.policy,
        conditions: [
          { tool: "refund.create", when: "args.amount_usd <= 20.0", effect: "allow" },
          { tool: "refund.create", when: "args.amount_usd > 250.0", effect: "require_approval", approvals: 2 },
        ],
      }),
    },
  ],
  catalog: DEMO_TOOLS,
};
const p = policyTester(bundle);
const refund = (amount_usd: number) => ({ customer_id: "C-1", order_id: "O-1", amount_usd, reason: "late" });

describe("the SDK policy test helper", () => {
  it("the essay's two tests", () => {
    expect(p("support/draft").allows("email.send")).toBe(false);
    expect(p("support/send").requiresApproval("email.send")).toBe(true);
  });
  it("the rest of the demo expectations", () => {
    expect(p("support/draft").denies("email.send")).toBe(true);
    expect(p("support/draft").allows("email.draft")).toBe(true);
    expect(p("support/send").approvalsRequired("customer.delete")).toBe(2);
    expect(p("research").denies("db.write")).toBe(true);
    expect(policy(bundle, "ops/triage").allows("db.read")).toBe(true);
    expect(p("support/send").denies("no.such_tool")).toBe(true);
  });
  it("argument conditions, with args", () => {
    expect(p("support/refunds").allows("refund.create", refund(15))).toBe(true);
    expect(p("support/refunds").approvalsRequired("refund.create", refund(100))).toBe(1);
    expect(p("support/refunds").approvalsRequired("refund.create", refund(400))).toBe(2);
    // Without args only the lists decide.
    expect(p("support/refunds").requiresApproval("refund.create")).toBe(true);
  });
  it("an unknown route is an error, not a silent deny", () => {
    expect(() => p("nope")).toThrow(/no route named nope/);
  });
});
