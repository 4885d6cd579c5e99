import { describe, expect, it } from "vitest";
import { comparePolicies, isWidening } from "@/lib/policy/compare-policies";
import { parsePolicy } from "@/lib/policy/policy-schema";
import type { Policy } from "@/lib/policy/types";
import { DEMO_ROUTES, DEMO_TOOLS } from "@/lib/seed/demo-data";

const kinds = new Map(DEMO_TOOLS.map((t) => [t.name, t.kind]));
const base: Policy = parsePolicy(DEMO_ROUTES.find((r) => r.name === "support/send")!.policy);
const change = (patch: (p: Policy) => Partial<Policy>) => comparePolicies(base, { ...base, ...patch(base) }, kinds);

describe("comparePolicies — what needs a second admin", () => {
  it("no change is neither widening nor narrowing", () => {
    expect(comparePolicies(base, base)).toEqual({ widening: [], narrowing: [], neutral: [] });
  });

  it.each<[string, (p: Policy) => Partial<Policy>]>([
    ["adding to allow_tools", (p) => ({ allow_tools: [...p.allow_tools, "web.search"] })],
    ["removing from deny_tools", () => ({ deny_tools: [] })],
    ["removing from require_approval", (p) => ({ require_approval: p.require_approval.filter((t) => t !== "email.send") })],
    ["adding to require_approval a tool that was not allowed", (p) => ({ require_approval: [...p.require_approval, "web.search"] })],
    ["moving a tool from deny to require_approval", (p) => ({ deny_tools: [], require_approval: [...p.require_approval, "db.write"] })],
    ["adding auto_approve", (p) => ({ auto_approve: [...p.auto_approve, "ticket.close"] })],
    ["adding auto_approve for a destructive tool (no effect, still reviewed)", (p) => ({ auto_approve: [...p.auto_approve, "customer.delete"] })],
    ["raising steps", (p) => ({ budgets: { ...p.budgets, steps: 26 } })],
    ["raising seconds", (p) => ({ budgets: { ...p.budgets, seconds: 7200 } })],
    ["raising usd", (p) => ({ budgets: { ...p.budgets, usd: 5.01 } })],
    ["lowering write_approvals", (p) => ({ approval: { ...p.approval, write_approvals: 1 } })],
    ["turning reads_require_approval off", (p) => ({ approval: { ...p.approval, reads_require_approval: false } })],
    ["disabling audit", () => ({ audit: { enabled: false } })],
  ])("widening: %s", (_name, patch) => {
    const start: Policy = { ...base, approval: { ...base.approval, write_approvals: 2, reads_require_approval: true }, audit: { enabled: true } };
    const r = comparePolicies(start, { ...start, ...patch(start) }, kinds);
    expect(r.widening.length).toBeGreaterThan(0);
    expect(isWidening(start, { ...start, ...patch(start) })).toBe(true);
  });

  it.each<[string, (p: Policy) => Partial<Policy>]>([
    ["removing from allow_tools", (p) => ({ allow_tools: p.allow_tools.filter((t) => t !== "kb.search") })],
    ["adding to deny_tools", (p) => ({ deny_tools: [...p.deny_tools, "web.search"] })],
    [
      "adding to require_approval a tool already allowed",
      (p) => ({ allow_tools: p.allow_tools.filter((t) => t !== "kb.search"), require_approval: [...p.require_approval, "kb.search"] }),
    ],
    ["removing auto_approve", () => ({ auto_approve: [] })],
    ["lowering budgets", (p) => ({ budgets: { steps: 5, seconds: 60, usd: p.budgets.usd } })],
    ["raising write_approvals", (p) => ({ approval: { ...p.approval, write_approvals: 2 } })],
    ["turning reads_require_approval on", (p) => ({ approval: { ...p.approval, reads_require_approval: true } })],
  ])("narrowing only: %s", (_name, patch) => {
    const r = change(patch);
    expect(r.widening).toEqual([]);
    expect(r.narrowing.length).toBeGreaterThan(0);
  });

  it("a longer pending TTL is neutral", () => {
    const r = change((p) => ({ approval: { ...p.approval, pending_ttl_seconds: 3600 } }));
    expect(r).toEqual({ widening: [], narrowing: [], neutral: ["Pending actions expire after 3600 s instead of 900 s."] });
  });

  it("a mixed change reports both sides in sentences", () => {
    const r = change((p) => ({ allow_tools: [...p.allow_tools, "web.search"], budgets: { ...p.budgets, steps: 10 } }));
    expect(r.widening).toEqual(["Allows web.search (read)."]);
    expect(r.narrowing).toEqual(["Lowers the steps budget from 25 to 10."]);
  });

  it("a move from deny into require_approval is reported once", () => {
    const r = change((p) => ({ deny_tools: [], require_approval: [...p.require_approval, "db.write"] }));
    expect(r.widening).toEqual(["Moves db.write (write) from denied to requires approval."]);
  });
});
