import { describe, expect, it } from "vitest";
import { decide, type Decision, type DecisionInput } from "@/lib/policy/decide";
import type { Policy, ReasonCode, ToolEntry } from "@/lib/policy/types";
import { DEMO_ROUTES, DEMO_TOOLS } from "@/lib/seed/demo-data";
import { parsePolicy } from "@/lib/policy/policy-schema";

const tools = new Map(DEMO_TOOLS.map((t) => [t.name, t]));
const policies = new Map(DEMO_ROUTES.map((r) => [r.name, parsePolicy(r.policy)]));
const policy = (route: string): Policy => policies.get(route)!;
const NOW = 1_800_000_000_000;
const okBudget = { stepsUsed: 0, stepsMax: 25, nowMs: NOW, expiresAtMs: NOW + 60_000, usdUsedMicros: 0, usdMaxMicros: 5_000_000, costMicros: 0 };

type Row = {
  name: string;
  route?: string;
  creds?: string[];
  routeState?: "unknown" | "breaker_open";
  policyPatch?: Partial<Policy>;
  kill?: { tenant?: boolean; tool?: boolean };
  tool: string;
  budget?: Partial<typeof okBudget> | "none";
  issues?: { path: string; message: string }[];
  /** Matched with toMatchObject. */
  expect: { outcome: Decision["outcome"] } & Record<string, unknown>;
};

function input(row: Row): DecisionInput {
  const routeName = row.route ?? "support/send";
  const base = policies.get(routeName);
  return {
    credentialRoutes: row.creds ?? [routeName],
    routeName,
    route: row.routeState === "unknown" || !base ? null : { policy: { ...base, ...row.policyPatch }, breakerOpen: row.routeState === "breaker_open" },
    killSwitch: { tenant: row.kill?.tenant ?? false, tool: row.kill?.tool ?? false },
    toolName: row.tool,
    // The caller's lookup is exact: Map.get never folds case or trims.
    tool: tools.get(row.tool) ?? null,
    budget: row.budget === "none" ? undefined : { ...okBudget, ...row.budget },
    validateArgs: row.issues ? () => row.issues! : () => [],
  };
}

const denied = (reason: ReasonCode | "x", message?: unknown) => ({ outcome: "denied" as const, reason, ...(message ? { message } : {}) });

const rows: Row[] = [
  // Step 2: the credential's routes, checked before the route's existence.
  { name: "a route the credential does not list is not permitted", route: "research", creds: ["support/draft"], tool: "web.search", expect: denied("route_not_permitted") },
  {
    name: "an unknown route the credential does not list is not permitted (no probing)",
    route: "admin/everything",
    creds: ["support/send"],
    tool: "kb.search",
    expect: denied("route_not_permitted"),
  },
  { name: "an unknown route the credential lists is unknown_route", route: "admin/everything", creds: ["admin/everything"], tool: "kb.search", expect: denied("unknown_route") },
  { name: "a route with no active policy is unknown_route", route: "support/send", routeState: "unknown", tool: "kb.search", expect: denied("unknown_route") },
  { name: "route names are exact (case)", route: "Support/Send", creds: ["support/send"], tool: "kb.search", expect: denied("route_not_permitted") },
  // Step 3: kill switches and the breaker, before anything about the tool.
  { name: "tenant kill switch denies even a read", tool: "kb.search", kill: { tenant: true }, expect: denied("kill_switch") },
  { name: "tool kill switch denies", tool: "ticket.close", kill: { tool: true }, expect: denied("kill_switch") },
  { name: "kill switch wins over unknown tool", tool: "admin.tool", kill: { tenant: true }, expect: denied("kill_switch") },
  { name: "open circuit breaker denies", tool: "kb.search", routeState: "breaker_open", expect: denied("circuit_open") },
  { name: "kill switch is reported before the breaker", tool: "kb.search", routeState: "breaker_open", kill: { tool: true }, expect: denied("kill_switch") },
  // Step 4: unknown tools, exact match only.
  { name: "unknown tool", tool: "admin.tool", expect: denied("unknown_tool") },
  { name: "case variant is unknown", tool: "Email.send", expect: denied("unknown_tool") },
  { name: "trailing space is unknown", tool: "email.send ", expect: denied("unknown_tool") },
  { name: "leading space is unknown", tool: " email.send", expect: denied("unknown_tool") },
  { name: "Cyrillic і homoglyph is unknown", tool: "emaіl.send", expect: denied("unknown_tool") },
  { name: "fullwidth dot is unknown", tool: "email．send", expect: denied("unknown_tool") },
  { name: "NUL suffix is unknown", tool: "kb.search\u0000", expect: denied("unknown_tool") },
  { name: "empty tool name is unknown", tool: "", expect: denied("unknown_tool") },
  // Step 5: deny list, then deny by default.
  { name: "support/draft denies email.send", route: "support/draft", tool: "email.send", expect: denied("tool_denied", expect.stringContaining("denied: email.send")) },
  { name: "research denies db.write", route: "research", tool: "db.write", expect: denied("tool_denied") },
  { name: "ops/triage denies db.write", route: "ops/triage", tool: "db.write", expect: denied("tool_denied") },
  {
    name: "support/draft does not allow ticket.close (not listed)",
    route: "support/draft",
    tool: "ticket.close",
    expect: denied("not_allowed", expect.stringContaining("not allowed: ticket.close")),
  },
  { name: "research does not allow tickets.get", route: "research", tool: "tickets.get", expect: denied("not_allowed") },
  { name: "a destructive tool not listed is not allowed", route: "research", tool: "customer.delete", expect: denied("not_allowed") },
  { name: "deny wins before budgets are looked at", route: "support/draft", tool: "email.send", budget: { stepsUsed: 25 }, expect: denied("tool_denied") },
  {
    name: "auto_approve alone does not grant (not in allow or require_approval)",
    route: "research",
    policyPatch: { auto_approve: ["ticket.close"] },
    tool: "ticket.close",
    expect: denied("not_allowed"),
  },
  // Step 6: budgets.
  { name: "steps exhausted", tool: "kb.search", budget: { stepsUsed: 25, stepsMax: 25 }, expect: denied("budget_steps") },
  { name: "time exhausted", tool: "kb.search", budget: { nowMs: NOW, expiresAtMs: NOW }, expect: denied("budget_seconds") },
  { name: "USD would be exceeded", tool: "kb.search", budget: { usdUsedMicros: 4_500_000, costMicros: 600_000 }, expect: denied("budget_usd") },
  {
    name: "USD exactly at the limit is fine",
    tool: "kb.search",
    budget: { usdUsedMicros: 4_500_000, costMicros: 500_000 },
    expect: { outcome: "allowed", reason: "read_allowed" },
  },
  { name: "steps are checked before time", tool: "kb.search", budget: { stepsUsed: 30, expiresAtMs: 0 }, expect: denied("budget_steps") },
  { name: "budget is checked before args", tool: "ticket.close", budget: { stepsUsed: 25 }, issues: [{ path: "args.ticket_id", message: "bad" }], expect: denied("budget_steps") },
  {
    name: "no budget (approval-time re-check) skips step 6",
    tool: "ticket.close",
    budget: "none",
    expect: { outcome: "pending", reason: "approval_required", approvalsRequired: 1 },
  },
  // Step 7: args.
  {
    name: "invalid args are invalid, never pending",
    tool: "ticket.close",
    issues: [{ path: "args.ticket_id", message: "must match pattern" }],
    expect: { outcome: "invalid", reason: "invalid_args", issues: [{ path: "args.ticket_id", message: "must match pattern" }] },
  },
  { name: "invalid args on a read are invalid", tool: "kb.search", issues: [{ path: "args.query", message: "required" }], expect: { outcome: "invalid", reason: "invalid_args" } },
  // Step 9: outcomes.
  { name: "read is allowed at once", tool: "kb.search", expect: { outcome: "allowed", reason: "read_allowed" } },
  { name: "research allows web.search", route: "research", tool: "web.search", expect: { outcome: "allowed", reason: "read_allowed" } },
  { name: "write in require_approval is pending with one approval", tool: "email.send", expect: { outcome: "pending", reason: "approval_required", approvalsRequired: 1 } },
  {
    name: "write only in allow_tools still needs approval",
    tool: "ticket.close",
    route: "support/send",
    policyPatch: { allow_tools: ["ticket.close"], require_approval: [] },
    expect: { outcome: "pending", approvalsRequired: 1 },
  },
  { name: "write auto-approved on support/draft", route: "support/draft", tool: "email.draft", expect: { outcome: "allowed", reason: "auto_approved" } },
  { name: "require_approval beats auto_approve", tool: "email.send", policyPatch: { auto_approve: ["email.send"] }, expect: { outcome: "pending", approvalsRequired: 1 } },
  {
    name: "write_approvals raises writes",
    tool: "ticket.close",
    policyPatch: { approval: { write_approvals: 3, pending_ttl_seconds: 900, escalate_after_seconds: 300, reads_require_approval: false } },
    expect: { outcome: "pending", approvalsRequired: 3 },
  },
  { name: "destructive needs two", tool: "customer.delete", expect: { outcome: "pending", reason: "approval_required", approvalsRequired: 2 } },
  {
    name: "destructive never auto-approves, even when listed",
    tool: "customer.delete",
    policyPatch: { allow_tools: ["customer.delete"], require_approval: [], auto_approve: ["customer.delete"] },
    expect: { outcome: "pending", approvalsRequired: 2 },
  },
  {
    name: "destructive takes a higher write_approvals",
    tool: "customer.delete",
    policyPatch: { approval: { write_approvals: 3, pending_ttl_seconds: 900, escalate_after_seconds: 300, reads_require_approval: false } },
    expect: { outcome: "pending", approvalsRequired: 3 },
  },
  {
    name: "read listed in require_approval is pending",
    tool: "kb.search",
    policyPatch: { allow_tools: [], require_approval: ["kb.search"] },
    expect: { outcome: "pending", approvalsRequired: 1 },
  },
  {
    name: "reads_require_approval makes reads pending",
    route: "research",
    tool: "web.search",
    policyPatch: { approval: { write_approvals: 1, pending_ttl_seconds: 900, escalate_after_seconds: 300, reads_require_approval: true } },
    expect: { outcome: "pending", approvalsRequired: 1 },
  },
];

describe("decide — the decision, step by step", () => {
  it("has a row for every reason code the pure decision can return", () => {
    const seen = new Set(rows.map((r) => (r.expect as { reason?: string }).reason).filter(Boolean));
    for (const code of [
      "route_not_permitted",
      "unknown_route",
      "kill_switch",
      "circuit_open",
      "unknown_tool",
      "tool_denied",
      "not_allowed",
      "budget_steps",
      "budget_seconds",
      "budget_usd",
      "invalid_args",
      "read_allowed",
      "auto_approved",
      "approval_required",
    ]) {
      expect(seen, code).toContain(code);
    }
    expect(rows.length).toBeGreaterThanOrEqual(30);
  });

  it.each(rows.map((r) => [r.name, r] as const))("%s", (_name, row) => {
    expect(decide(input(row))).toMatchObject(row.expect);
  });

  it("denial messages are sentences that name the tool", () => {
    const d = decide(input({ name: "", route: "research", tool: "db.write", expect: denied("tool_denied") }));
    expect(d).toMatchObject({ outcome: "denied", message: "denied: db.write is denied on the route research." });
  });

  it("a tool entry whose name differs from the requested one is unknown (no lookup normalisation trusted)", () => {
    const entry = tools.get("email.send")!;
    const d = decide({ ...input({ name: "", tool: "email.send", expect: denied("x") }), toolName: "Email.send", tool: entry });
    expect(d).toMatchObject({ outcome: "denied", reason: "unknown_tool" });
  });

  it("an unrecognised tool kind never falls through to allowed", () => {
    const odd = { ...tools.get("kb.search")!, kind: "admin" } as unknown as ToolEntry;
    const d = decide({ ...input({ name: "", tool: "kb.search", expect: denied("x") }), tool: odd });
    expect(d.outcome).toBe("denied");
  });

  it("validateArgs is not called for denied tools", () => {
    let called = false;
    decide({ ...input({ name: "", route: "support/draft", tool: "email.send", expect: denied("x") }), validateArgs: () => ((called = true), []) });
    expect(called).toBe(false);
  });
});
