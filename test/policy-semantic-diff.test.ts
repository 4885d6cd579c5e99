import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { comparePolicies, isWidening, lostCells } from "@/lib/policy/semantic-diff";
import { rebasePolicy } from "@/lib/policy/rebase";
import { decide } from "@/lib/policy/decide";
import { parsePolicy } from "@/lib/policy/policy-schema";
import type { Policy, ToolEntry } from "@/lib/policy/types";
import { DEMO_ROUTES, DEMO_TOOLS } from "@/lib/seed/demo-data";

const tools = new Map(DEMO_TOOLS.map((t) => [t.name, t]));
const send: Policy = parsePolicy(DEMO_ROUTES.find((r) => r.name === "support/send")!.policy);
const draft: Policy = parsePolicy(DEMO_ROUTES.find((r) => r.name === "support/draft")!.policy);
const without = (list: string[], t: string) => list.filter((x) => x !== t);

/**
 * The verdict table: each change with the changed cells and the verdict written
 * out by hand (not computed with decide()). support/send: reads and email.draft
 * allowed, email.draft auto-approved, email.send, the ticket writes, refund.create and customer.delete
 * require approval, db.write denied; write_approvals 1.
 */
type Verdict = { name: string; from?: Policy; change: (p: Policy) => Policy; changes: string[]; widens: boolean };

const TABLE: Verdict[] = [
  {
    name: "require_approval → auto_approve without allow: a narrowing (pending → denied), the issue's first case",
    change: (p) => ({ ...p, require_approval: without(p.require_approval, "ticket.close"), auto_approve: [...p.auto_approve, "ticket.close"] }),
    changes: ["ticket.close: pending(1) → denied"],
    widens: false,
  },
  {
    name: "require_approval → allow for a write: no change (writes in allow_tools still need approval)",
    change: (p) => ({ ...p, require_approval: without(p.require_approval, "email.send"), allow_tools: [...p.allow_tools, "email.send"] }),
    changes: [],
    widens: false,
  },
  {
    name: "require_approval → deny: a narrowing one admin may make",
    change: (p) => ({ ...p, require_approval: without(p.require_approval, "ticket.close"), deny_tools: [...p.deny_tools, "ticket.close"] }),
    changes: ["ticket.close: pending(1) → denied"],
    widens: false,
  },
  {
    name: "require_approval → allow + auto_approve: a widening (pending → allowed)",
    change: (p) => ({
      ...p,
      require_approval: without(p.require_approval, "ticket.close"),
      allow_tools: [...p.allow_tools, "ticket.close"],
      auto_approve: [...p.auto_approve, "ticket.close"],
    }),
    changes: ["ticket.close: pending(1) → allowed"],
    widens: true,
  },
  {
    name: "auto_approve on a tool that is also in require_approval: no effect",
    change: (p) => ({ ...p, auto_approve: [...p.auto_approve, "email.send"] }),
    changes: [],
    widens: false,
  },
  {
    name: "auto_approve + allow on a destructive tool: no effect (two humans stay the floor)",
    change: (p) => ({
      ...p,
      require_approval: without(p.require_approval, "customer.delete"),
      allow_tools: [...p.allow_tools, "customer.delete"],
      auto_approve: [...p.auto_approve, "customer.delete"],
    }),
    changes: [],
    widens: false,
  },
  {
    name: "dropping email.draft's auto-approve: allowed → pending(1)",
    change: (p) => ({ ...p, auto_approve: [] }),
    changes: ["email.draft: allowed → pending(1)"],
    widens: false,
  },
  {
    name: "deny → require_approval: denied → pending(1)",
    change: (p) => ({ ...p, deny_tools: [], require_approval: [...p.require_approval, "db.write"] }),
    changes: ["db.write: denied → pending(1)"],
    widens: true,
  },
  {
    name: "a read taken out of allow_tools",
    change: (p) => ({ ...p, allow_tools: without(p.allow_tools, "kb.search") }),
    changes: ["kb.search: allowed → denied"],
    widens: false,
  },
  {
    name: "a read added to allow_tools",
    change: (p) => ({ ...p, allow_tools: [...p.allow_tools, "web.search"] }),
    changes: ["web.search: denied → allowed"],
    widens: true,
  },
  {
    name: "write_approvals 1 → 2: every write pending(1) → pending(2); customer.delete stays pending(2)",
    change: (p) => ({ ...p, approval: { ...p.approval, write_approvals: 2 } }),
    changes: [
      "email.send: pending(1) → pending(2)",
      "refund.create: pending(1) → pending(2)",
      "ticket.close: pending(1) → pending(2)",
      "ticket.create: pending(1) → pending(2)",
      "ticket.update: pending(1) → pending(2)",
      "approval.write_approvals: 1 → 2",
    ],
    widens: false,
  },
  {
    name: "write_approvals 3 → 2: fewer approvals widens, customer.delete pending(3) → pending(2)",
    from: { ...send, require_approval: ["customer.delete"], approval: { ...send.approval, write_approvals: 3 } },
    change: (p) => ({ ...p, approval: { ...p.approval, write_approvals: 2 } }),
    changes: ["customer.delete: pending(3) → pending(2)", "approval.write_approvals: 3 → 2"],
    widens: true,
  },
  {
    name: "reads require approval: every allowed read allowed → pending(1)",
    change: (p) => ({ ...p, approval: { ...p.approval, reads_require_approval: true } }),
    changes: ["customers.get: allowed → pending(1)", "kb.search: allowed → pending(1)", "tickets.get: allowed → pending(1)", "approval.reads_require_approval: false → true"],
    widens: false,
  },
  { name: "a higher steps budget", change: (p) => ({ ...p, budgets: { ...p.budgets, steps: 26 } }), changes: ["budgets.steps: 25 → 26"], widens: true },
  { name: "a lower USD budget", change: (p) => ({ ...p, budgets: { ...p.budgets, usd: 4 } }), changes: ["budgets.usd: 5 → 4"], widens: false },
  { name: "audit off", change: (p) => ({ ...p, audit: { enabled: false } }), changes: ["audit.enabled: true → false"], widens: true },
  {
    name: "a longer approval window",
    change: (p) => ({ ...p, approval: { ...p.approval, valid_seconds: 7200 } }),
    changes: ["approval.valid_seconds: 3600 → 7200"],
    widens: true,
  },
  {
    name: "a longer pending TTL is neutral, and shown",
    change: (p) => ({ ...p, approval: { ...p.approval, pending_ttl_seconds: 3600 } }),
    changes: ["approval.pending_ttl_seconds: 900 → 3600"],
    widens: false,
  },
  {
    name: "a name the catalog does not have, added to allow_tools: judged for each kind it could be added as",
    change: (p) => ({ ...p, allow_tools: [...p.allow_tools, "crm.export"] }),
    changes: [
      "crm.export (not in the catalog; if added as a read): denied → allowed",
      "crm.export (not in the catalog; if added as a write): denied → pending(1)",
      "crm.export (not in the catalog; if added as a destructive): denied → pending(2)",
    ],
    widens: true,
  },
  {
    name: "mixed: one cell wider and one narrower is a widening",
    from: draft,
    change: (p) => ({ ...p, deny_tools: without(p.deny_tools, "email.send"), allow_tools: [...without(p.allow_tools, "kb.search"), "email.send"] }),
    changes: ["email.send: denied → pending(1)", "kb.search: allowed → denied"],
    widens: true,
  },
];

describe("semantic diff — the hand-written verdict table", () => {
  it.each(TABLE.map((r) => [r.name, r] as const))("%s", (_n, row) => {
    const from = row.from ?? send;
    const to = parsePolicy(row.change(from));
    const r = comparePolicies(from, to, tools);
    expect(r.changes.map((c) => c.text)).toEqual(row.changes);
    expect(isWidening(from, to, tools)).toBe(row.widens);
    expect(r.widening.length > 0).toBe(row.widens);
  });

  it("identical versions have no changed cells", () => {
    expect(comparePolicies(send, send, tools)).toEqual({ changes: [], widening: [], narrowing: [], neutral: [] });
  });

  it("a stale proposal (v7 made before the narrowing v8) would lose v8's cells", () => {
    const v6 = send;
    const v7 = { ...v6, budgets: { ...v6.budgets, steps: 50 } }; // a widening, pending
    const v8 = { ...v6, require_approval: without(v6.require_approval, "ticket.close"), deny_tools: [...v6.deny_tools, "ticket.close"] }; // a narrowing, active
    expect(lostCells(v6, v8, v7, tools).map((c) => c.text)).toEqual(["ticket.close: denied → pending(1)"]);
    // Rebasing keeps v8's narrowing and the author's own edit.
    const { policy, conflicts } = rebasePolicy(v6, v8, v7);
    expect(conflicts).toEqual([]);
    expect(comparePolicies(v8, parsePolicy(policy), tools).changes.map((c) => c.text)).toEqual(["budgets.steps: 25 → 50"]);
  });

  it("rebase reports a conflict when both sides changed the same tool differently, and takes the author's", () => {
    const v7 = {
      ...send,
      require_approval: without(send.require_approval, "ticket.close"),
      allow_tools: [...send.allow_tools, "ticket.close"],
      auto_approve: [...send.auto_approve, "ticket.close"],
    };
    const v8 = { ...send, require_approval: without(send.require_approval, "ticket.close"), deny_tools: [...send.deny_tools, "ticket.close"] };
    const { policy, conflicts } = rebasePolicy(send, v8, v7);
    expect(conflicts).toEqual(["ticket.close"]);
    expect(comparePolicies(v8, parsePolicy(policy), tools).changes.map((c) => c.text)).toEqual(["ticket.close: denied → allowed"]);
  });
});

// ---- the property: the classification agrees with decide() on every tool ----

/** The permissiveness of a decision, written independently of lib/policy/decision-matrix. */
function permissiveness(p: Policy, t: ToolEntry): number {
  const d = decide({ credentialRoutes: ["r"], routeName: "r", route: { policy: p, breakerOpen: false }, killSwitch: { tenant: false, tool: false }, toolName: t.name, tool: t });
  if (d.outcome === "allowed") return 1000;
  if (d.outcome === "pending") return 100 - d.approvalsRequired;
  return 0;
}
const UNKNOWN = "crm.export";
const every = (p: Policy, q: Policy): ToolEntry[] => {
  const hyp = (["read", "write", "destructive"] as const).map((kind) => ({ ...DEMO_TOOLS[0]!, name: UNKNOWN, kind }));
  const mentions = [p, q].some((x) => [...x.allow_tools, ...x.require_approval, ...x.auto_approve, ...x.deny_tools].includes(UNKNOWN));
  return [...DEMO_TOOLS, ...(mentions ? hyp : [])];
};
const settingsWiden = (a: Policy, b: Policy) =>
  b.budgets.steps > a.budgets.steps ||
  b.budgets.seconds > a.budgets.seconds ||
  b.budgets.usd > a.budgets.usd ||
  b.approval.write_approvals < a.approval.write_approvals ||
  (a.approval.reads_require_approval && !b.approval.reads_require_approval) ||
  (b.approval.valid_seconds ?? 3600) > (a.approval.valid_seconds ?? 3600) ||
  (a.audit.enabled && !b.audit.enabled);

const NAMES = [...DEMO_TOOLS.map((t) => t.name), UNKNOWN];
// Each name: nowhere, in deny_tools (maybe also in auto_approve: dead but valid? no — the schema refuses deny + grant), or any mix of the granting lists.
const placementArb = fc.oneof(fc.constant("deny"), fc.record({ allow: fc.boolean(), require: fc.boolean(), auto: fc.boolean() }));
const policyArb: fc.Arbitrary<Policy> = fc
  .record({
    places: fc.array(placementArb, { minLength: NAMES.length, maxLength: NAMES.length }),
    steps: fc.integer({ min: 1, max: 4 }),
    seconds: fc.integer({ min: 1, max: 4 }),
    usd: fc.integer({ min: 0, max: 3 }),
    write_approvals: fc.integer({ min: 1, max: 4 }),
    reads: fc.boolean(),
    valid: fc.option(fc.integer({ min: 3599, max: 3601 }), { nil: undefined }),
    audit: fc.boolean(),
    ttl: fc.integer({ min: 1, max: 3 }),
  })
  .map((r) => {
    const on = (f: (x: (typeof r.places)[number]) => boolean) => NAMES.filter((_, i) => f(r.places[i]!));
    return parsePolicy({
      allow_tools: on((x) => x !== "deny" && x.allow),
      require_approval: on((x) => x !== "deny" && x.require),
      auto_approve: on((x) => x !== "deny" && x.auto),
      deny_tools: on((x) => x === "deny"),
      budgets: { steps: r.steps, seconds: r.seconds, usd: r.usd },
      audit: { enabled: r.audit },
      approval: {
        write_approvals: r.write_approvals,
        reads_require_approval: r.reads,
        pending_ttl_seconds: r.ttl,
        escalate_after_seconds: 300,
        ...(r.valid ? { valid_seconds: r.valid } : {}),
      },
    });
  });

describe("semantic diff — property: agrees with decide() on random policy pairs", () => {
  it("widens exactly when decide() is more permissive for some tool or a setting widens", () => {
    fc.assert(
      fc.property(policyArb, policyArb, (a, b) => {
        const toolWider = every(a, b).some((t) => permissiveness(b, t) > permissiveness(a, t));
        expect(isWidening(a, b, tools)).toBe(toolWider || settingsWiden(a, b));
      }),
      { numRuns: 1500 },
    );
  });

  it("every catalog tool whose decision changed has exactly one changed cell, with the right direction", () => {
    fc.assert(
      fc.property(policyArb, policyArb, (a, b) => {
        const r = comparePolicies(a, b, tools);
        for (const t of DEMO_TOOLS) {
          const before = permissiveness(a, t);
          const after = permissiveness(b, t);
          const cells = r.changes.filter((c) => c.key === t.name);
          if (before === after) expect(cells).toEqual([]);
          else expect(cells.map((c) => c.effect)).toEqual([after > before ? "widens" : "narrows"]);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("rebasing never loses a cell the active version changed and the author did not touch", () => {
    fc.assert(
      fc.property(policyArb, policyArb, policyArb, (base, active, proposed) => {
        const { policy, conflicts } = rebasePolicy(base, active, proposed);
        const merged = parsePolicy(policy);
        if (conflicts.length === 0) {
          for (const t of DEMO_TOOLS) {
            const p = permissiveness(proposed, t) !== permissiveness(base, t);
            // Untouched by the author (same decision and same lists) → the active version's decision.
            const touched = ["allow_tools", "require_approval", "auto_approve", "deny_tools"].some(
              (l) => (proposed[l as "allow_tools"].includes(t.name) as boolean) !== base[l as "allow_tools"].includes(t.name),
            );
            if (!touched && !p) expect(permissiveness(merged, t)).toBe(permissiveness(active, t));
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
