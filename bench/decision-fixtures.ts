import type { DecisionInput } from "@/lib/policy/decide";
import type { Policy, ToolEntry, ToolKind } from "@/lib/policy/types";
import { DEMO_ROUTES, DEMO_TOOLS } from "@/lib/seed/demo-data";

/** A policy set plus a tool catalog, the two things a decision reads. */
export type PolicyFixture = { name: string; routes: { name: string; policy: Policy }[]; tools: ToolEntry[] };

/** Deterministic PRNG so every run benchmarks the same inputs. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function demoFixture(): PolicyFixture {
  return { name: "demo (4 routes, 14 tools)", routes: DEMO_ROUTES.map((r) => ({ name: r.name, policy: r.policy })), tools: DEMO_TOOLS };
}

/** 200 routes over a 2,000-tool catalog; each route lists ~100 tools across its lists. */
export function generatedFixture(routeCount = 200, toolCount = 2000): PolicyFixture {
  const r = rng(42);
  const kinds: ToolKind[] = ["read", "read", "write", "write", "destructive"];
  const tools: ToolEntry[] = Array.from({ length: toolCount }, (_, i) => ({
    name: `svc${i % 50}.op${String(i).padStart(4, "0")}`,
    kind: kinds[Math.floor(r() * kinds.length)]!,
    description: "generated",
    argsSchema: { type: "object" },
    summaryTemplate: "generated",
    blastRadius: { scope: "one", records: 1, description: "generated" },
    undo: { reversible: false, note: "generated" },
  }));
  const pick = (n: number) => Array.from({ length: n }, () => tools[Math.floor(r() * tools.length)]!.name);
  const routes = Array.from({ length: routeCount }, (_, i) => {
    const allow = [...new Set(pick(60))];
    const deny = [...new Set(pick(20))].filter((t) => !allow.includes(t));
    const approval = [...new Set(pick(20))].filter((t) => !allow.includes(t) && !deny.includes(t));
    const policy: Policy = {
      allow_tools: allow,
      deny_tools: deny,
      require_approval: approval,
      auto_approve: allow.filter((_, k) => k % 7 === 0),
      budgets: { steps: 100, seconds: 3600, usd: 10 },
      audit: { enabled: true },
      approval: { write_approvals: 1 + (i % 2), pending_ttl_seconds: 900, escalate_after_seconds: 300, reads_require_approval: i % 10 === 0 },
    };
    return { name: `team${i}/route`, policy };
  });
  return { name: `generated (${routeCount} routes, ${toolCount} tools)`, routes, tools };
}

/**
 * Varied decision inputs: mostly tools the route lists, some denied, some
 * unknown, some routes the credential may not use, a few spent budgets and
 * kill switches — so no single branch dominates.
 */
export function decisionInputs(f: PolicyFixture, count: number): DecisionInput[] {
  const r = rng(7);
  const toolByName = new Map(f.tools.map((t) => [t.name, t]));
  const routeByName = new Map(f.routes.map((x) => [x.name, x]));
  const out: DecisionInput[] = [];
  const now = 1_800_000_000_000;
  for (let i = 0; i < count; i++) {
    const route = f.routes[Math.floor(r() * f.routes.length)]!;
    const p = route.policy;
    const listed = [...p.allow_tools, ...p.require_approval, ...p.deny_tools];
    const roll = r();
    const toolName = roll < 0.75 ? listed[Math.floor(r() * listed.length)]! : roll < 0.9 ? f.tools[Math.floor(r() * f.tools.length)]!.name : `unknown.tool${i}`;
    const routeName = r() < 0.05 ? "no/such-route" : route.name;
    const credentialRoutes = r() < 0.05 ? [f.routes[0]!.name] : [route.name, f.routes[(i * 7) % f.routes.length]!.name];
    const found = routeByName.get(routeName);
    out.push({
      credentialRoutes,
      routeName,
      route: found ? { policy: found.policy, breakerOpen: r() < 0.02 } : null,
      killSwitch: { tenant: r() < 0.02, tool: r() < 0.02 },
      toolName,
      tool: toolByName.get(toolName) ?? null,
      budget: {
        stepsUsed: Math.floor(r() * 110),
        stepsMax: 100,
        nowMs: now,
        expiresAtMs: r() < 0.03 ? now - 1 : now + 60_000,
        usdUsedMicros: Math.floor(r() * 10_500_000),
        usdMaxMicros: 10_000_000,
        costMicros: 1000,
      },
    });
  }
  return out;
}
