import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { decide } from "@/lib/policy/decide";
import { checkConditions } from "@/lib/policy/conditions";
import { comparePolicies, isWidening } from "@/lib/policy/semantic-diff";
import { analyzePolicy } from "@/lib/policy/analyze-policy";
import { parsePolicy, checkPolicy } from "@/lib/policy/policy-schema";
import type { Policy, PolicyCondition, ToolEntry } from "@/lib/policy/types";
import { DEMO_ROUTES, DEMO_TOOLS } from "@/lib/seed/demo-data";

// The demo refund caps at $500; this route's refund tool goes to $5,000 so the "> 500 needs two" band exists.
const refund: ToolEntry = (() => {
  const t = structuredClone(DEMO_TOOLS.find((x) => x.name === "refund.create")!);
  (t.argsSchema as { properties: Record<string, { maximum?: number }> }).properties.amount_usd!.maximum = 5000;
  return t;
})();
const tools = new Map(DEMO_TOOLS.map((t) => [t.name, t.name === "refund.create" ? refund : t]));
const send: Policy = parsePolicy(DEMO_ROUTES.find((r) => r.name === "support/send")!.policy);
const REFUND_RULES: PolicyCondition[] = [
  { tool: "refund.create", when: "args.amount_usd <= 20.0", effect: "allow", note: "small refunds go through" },
  { tool: "refund.create", when: "args.amount_usd > 500.0", effect: "require_approval", approvals: 2, note: "big refunds need two people" },
];
const withConditions = (conditions: PolicyCondition[], p: Policy = send) => parsePolicy({ ...p, conditions });
const refundArgs = (amount: number) => ({ customer_id: "C-1", order_id: "O-1", amount_usd: amount, reason: "late" });

function outcome(p: Policy, tool: string, args?: unknown): string {
  const d = decide({
    credentialRoutes: ["support/send"],
    routeName: "support/send",
    route: { policy: p, breakerOpen: false },
    killSwitch: { tenant: false, tool: false },
    toolName: tool,
    tool: tools.get(tool) ?? null,
    ...(args === undefined ? {} : { args }),
  });
  return d.outcome === "pending" ? `pending(${d.approvalsRequired})` : d.outcome;
}

describe("argument conditions — the decision table (outcomes written out)", () => {
  const p = withConditions(REFUND_RULES);
  it.each<[number, string]>([
    [0.5, "allowed"],
    [19.99, "allowed"],
    [20, "allowed"],
    [20.01, "pending(1)"],
    [21, "pending(1)"],
    [250, "pending(1)"],
    [500, "pending(1)"],
    [500.01, "pending(2)"],
    [501, "pending(2)"],
    [5000, "pending(2)"],
  ])("refund of $%s → %s", (amount, want) => {
    expect(outcome(p, "refund.create", refundArgs(amount))).toBe(want);
  });

  it("e-mail only to our own domain: a deny condition", () => {
    const q = withConditions([{ tool: "email.send", when: "!args.to.endsWith('@acme.com')", effect: "deny" }]);
    const mail = (to: string) => ({ ticket_id: "T-1", to, subject: "Hi", body: "Hello" });
    expect(outcome(q, "email.send", mail("ops@acme.com"))).toBe("pending(1)");
    expect(outcome(q, "email.send", mail("someone@evil.example"))).toBe("denied");
    expect(outcome(q, "email.send", mail("x@acme.com.evil.example"))).toBe("denied");
  });

  it("deny always wins: a condition cannot grant a tool the lists deny or do not grant", () => {
    const q = withConditions([
      { tool: "db.write", when: "true", effect: "allow" },
      { tool: "web.search", when: "true", effect: "allow" },
    ]);
    expect(outcome(q, "db.write", { table: "t", id: "1", values: {} })).toBe("denied");
    expect(outcome(q, "web.search", { query: "x" })).toBe("denied");
  });

  it("destructive never under two: allow is ignored, require_approval never lowers", () => {
    const q = withConditions([
      { tool: "customer.delete", when: "true", effect: "allow" },
      { tool: "customer.delete", when: "true", effect: "require_approval", approvals: 1 },
    ]);
    expect(outcome(q, "customer.delete", { customer_id: "C-1", reason: "asked" })).toBe("pending(2)");
    const r = withConditions([{ tool: "customer.delete", when: "true", effect: "allow" }]);
    expect(outcome(r, "customer.delete", { customer_id: "C-1", reason: "asked" })).toBe("pending(2)");
  });

  it("fails closed when a condition errors (a missing optional field): deny and require match, allow does not", () => {
    const allow = withConditions([{ tool: "ticket.close", when: "args.resolution.size() > 0", effect: "allow" }]);
    expect(outcome(allow, "ticket.close", { ticket_id: "T-1" })).toBe("pending(1)");
    expect(outcome(allow, "ticket.close", { ticket_id: "T-1", resolution: "fixed" })).toBe("allowed");
    const denyIt = withConditions([{ tool: "ticket.close", when: "args.resolution == 'spam'", effect: "deny" }]);
    expect(outcome(denyIt, "ticket.close", { ticket_id: "T-1" })).toBe("denied");
    expect(outcome(denyIt, "ticket.close", { ticket_id: "T-1", resolution: "fixed" })).toBe("pending(1)");
  });

  it("without args (an approval-time re-check) only the lists decide", () => {
    expect(outcome(withConditions(REFUND_RULES), "refund.create")).toBe("pending(1)");
  });
});

describe("argument conditions — typed against the tool's schema at save", () => {
  it("a field the schema does not have is refused, naming the condition", () => {
    const p = withConditions([{ tool: "refund.create", when: "args.amount <= 20.0", effect: "allow" }]);
    const issues = checkConditions(p, tools);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe("conditions.0.when");
    expect(issues[0]!.message).toContain("refund.create");
  });
  it("a condition on a tool the catalog lacks, a non-boolean, bad syntax and approvals on allow are refused", () => {
    expect(checkConditions(withConditions([{ tool: "crm.export", when: "true", effect: "deny" }]), tools)[0]!.path).toBe("conditions.0.tool");
    expect(checkConditions(withConditions([{ tool: "refund.create", when: "args.amount_usd + 1.0", effect: "deny" }]), tools)[0]!.message).toContain("true or false");
    expect(checkPolicy({ ...send, conditions: [{ tool: "refund.create", when: "args.amount_usd <= ", effect: "deny" }] }).ok).toBe(false);
    expect(checkPolicy({ ...send, conditions: [{ tool: "refund.create", when: "true", effect: "allow", approvals: 2 }] }).ok).toBe(false);
  });
  it("the demo rules type-check", () => {
    expect(checkConditions(withConditions(REFUND_RULES), tools)).toEqual([]);
  });
});

describe("argument conditions — semantic diff and analyzer", () => {
  it("adding the rules: the small band widens, the big band narrows, each branch named", () => {
    const r = comparePolicies(send, withConditions(REFUND_RULES), tools);
    expect(r.changes.map((c) => [c.text, c.effect])).toEqual([
      ["refund.create when args.amount_usd <= 20.0: pending(1) → allowed", "widens"],
      ["refund.create when args.amount_usd > 500.0: pending(1) → pending(2)", "narrows"],
      // Both matching at once cannot happen, but is not assumed away: require_approval wins there.
      ["refund.create when args.amount_usd <= 20.0 and args.amount_usd > 500.0: pending(1) → pending(2)", "narrows"],
    ]);
    expect(r.widening[0]).toContain("cannot prove");
  });
  it("only the deny rule added is a narrowing one admin may apply", () => {
    const q = withConditions([{ tool: "email.send", when: "!args.to.endsWith('@acme.com')", effect: "deny" }]);
    expect(isWidening(send, q, tools)).toBe(false);
    expect(comparePolicies(send, q, tools).narrowing).toEqual(["email.send when !args.to.endsWith('@acme.com'): pending(1) → denied"]);
  });
  it("unchanged conditions change nothing; a changed threshold that cannot be proven narrower counts as widening and says why", () => {
    expect(comparePolicies(withConditions(REFUND_RULES), withConditions(REFUND_RULES), tools).changes).toEqual([]);
    const tighter = withConditions([{ ...REFUND_RULES[0]!, when: "args.amount_usd <= 10.0" }, REFUND_RULES[1]!]);
    const r = comparePolicies(withConditions(REFUND_RULES), tighter, tools);
    expect(r.widening.length).toBeGreaterThan(0);
    expect(r.widening.every((w) => w.includes("cannot prove"))).toBe(true);
    expect(r.widening[0]).toContain("args.amount_usd <= 10.0");
  });
  it("the analyzer flags unreachable and ineffective conditions", () => {
    const q = withConditions([
      { tool: "db.write", when: "true", effect: "allow" },
      { tool: "customer.delete", when: "true", effect: "allow" },
    ]);
    const kinds = analyzePolicy(q, tools, send).findings.map((f) => `${f.tool}:${f.kind}`);
    expect(kinds).toEqual(expect.arrayContaining(["db.write:condition_unreachable", "customer.delete:condition_no_effect"]));
  });
});

describe("argument conditions — property: a non-widening change never makes decide() more permissive for any args", () => {
  const rank = (o: string) => (o === "allowed" ? 1000 : o.startsWith("pending") ? 100 - Number(o.slice(8, -1)) : 0);
  const cond = fc.record({
    when: fc.constantFrom("args.amount_usd <= 20.0", "args.amount_usd <= 10.0", "args.amount_usd > 500.0", "args.amount_usd > 100.0", "args.reason == 'fraud'", "true"),
    effect: fc.constantFrom("deny", "require_approval", "allow"),
    approvals: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  });
  const conds = fc
    .uniqueArray(cond, { maxLength: 3, selector: (c) => c.when })
    .map((list) =>
      list.map(
        (c) =>
          ({ tool: "refund.create", when: c.when, effect: c.effect, ...(c.effect === "require_approval" && c.approvals ? { approvals: c.approvals } : {}) }) as PolicyCondition,
      ),
    );
  const lists = fc.constantFrom<Partial<Policy>>(
    {},
    { require_approval: send.require_approval.filter((t) => t !== "refund.create"), allow_tools: [...send.allow_tools, "refund.create"] },
    { require_approval: send.require_approval.filter((t) => t !== "refund.create"), deny_tools: [...send.deny_tools, "refund.create"] },
  );
  const policy = fc
    .record({ c: conds, l: lists, wa: fc.integer({ min: 1, max: 2 }) })
    .map(({ c, l, wa }) => parsePolicy({ ...send, ...l, approval: { ...send.approval, write_approvals: wa }, conditions: c }));
  const args = fc.record({ amount: fc.double({ min: 0.01, max: 5000, noNaN: true }), reason: fc.constantFrom("late", "fraud") });

  it("holds on random pairs and random args", () => {
    fc.assert(
      fc.property(policy, policy, fc.array(args, { minLength: 1, maxLength: 12 }), (a, b, xs) => {
        if (isWidening(a, b, tools)) return;
        for (const x of xs) {
          const ra = { customer_id: "C-1", order_id: "O-1", amount_usd: x.amount, reason: x.reason };
          expect(rank(outcome(b, "refund.create", ra))).toBeLessThanOrEqual(rank(outcome(a, "refund.create", ra)));
        }
      }),
      { numRuns: 600 },
    );
  });
});
