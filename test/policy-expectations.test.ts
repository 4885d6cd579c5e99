import { describe, expect, it } from "vitest";
import { checkExpectations, policyOutcome } from "@/lib/policy/expectations";
import { parsePolicy } from "@/lib/policy/policy-schema";
import { DEMO_ROUTES, DEMO_TOOLS } from "@/lib/seed/demo-data";

const tools = new Map(DEMO_TOOLS.map((t) => [t.name, t]));
const policy = (name: string) => parsePolicy(DEMO_ROUTES.find((r) => r.name === name)!.policy);

describe("policy tests (the essay's expectations)", () => {
  it("support/draft must not allow email.send", () => {
    expect(policyOutcome(policy("support/draft"), tools, "support/draft", "email.send")).toBe("denied");
  });

  it("research must not allow db.write", () => {
    expect(policyOutcome(policy("research"), tools, "research", "db.write")).toBe("denied");
  });

  it("support/send requires approval for email.send", () => {
    expect(policyOutcome(policy("support/send"), tools, "support/send", "email.send")).toBe("requires_approval");
  });

  it("every demo route passes its own policy tests", () => {
    for (const r of DEMO_ROUTES) {
      const results = checkExpectations(parsePolicy(r.policy), tools, r.name, r.tests);
      expect(
        results.filter((x) => !x.ok),
        r.name,
      ).toEqual([]);
    }
  });

  it("the essay's incident: allowing ticket.close on the read-only route fails a test", () => {
    const route = DEMO_ROUTES.find((r) => r.name === "support/draft")!;
    const broken = { ...policy("support/draft"), allow_tools: [...route.policy.allow_tools, "ticket.close"], auto_approve: ["email.draft", "ticket.close"] };
    const failed = checkExpectations(broken, tools, "support/draft", route.tests).filter((x) => !x.ok);
    expect(failed).toEqual([
      {
        expectation: expect.objectContaining({ tool: "ticket.close", expect: "denied" }),
        actual: "allowed",
        ok: false,
        message: "support/draft: ticket.close is denied — fails: it is allowed without approval.",
      },
    ]);
  });

  it("requires_approval is not 'denied', and unknown tools count as denied", () => {
    const results = checkExpectations(policy("support/send"), tools, "support/send", [
      { tool: "ticket.close", expect: "denied" },
      { tool: "no.such_tool", expect: "denied" },
    ]);
    expect(results.map((r) => [r.actual, r.ok])).toEqual([
      ["requires_approval", false],
      ["denied", true],
    ]);
  });
});
