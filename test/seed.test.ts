import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDb } from "@/test/support/db";
import { db } from "@/lib/db/client";
import { seedBase, seedDemo } from "@/lib/seed/seed-demo";
import { DEMO_AGENTS, DEMO_ROUTES, DEMO_TOOLS, DEMO_USERS } from "@/lib/seed/demo-data";
import { verifyPassword } from "@/lib/auth/password";
import { agentKeyMatches, parseAgentKey } from "@/lib/agents/credential-key";
import { unseal } from "@/lib/crypto/seal";
import { parsePolicy } from "@/lib/policy/policy-schema";
import { verifyStoredChain } from "@/lib/audit/verify-stored-chain";

let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ cleanup } = await freshDb());
});
afterAll(async () => cleanup());

async function counts() {
  const d = db();
  return {
    tenants: await d.tenant.count(),
    users: await d.user.count(),
    tools: await d.tool.count(),
    routes: await d.route.count(),
    versions: await d.policyVersion.count(),
    tests: await d.policyTest.count(),
    agents: await d.agentCredential.count(),
    audit: await d.auditEvent.count(),
  };
}

describe("seedDemo", () => {
  it("seeds once; a second run changes nothing and lists the same accounts", async () => {
    await seedBase();
    const first = await seedDemo();
    expect(first.firstRun).toBe(true);
    const after = await counts();
    expect(after).toEqual({
      tenants: 2,
      users: DEMO_USERS.length,
      tools: 14,
      routes: DEMO_ROUTES.length,
      versions: DEMO_ROUTES.length,
      tests: DEMO_ROUTES.reduce((n, r) => n + r.tests.length, 0),
      agents: DEMO_AGENTS.length,
      audit: 1,
    });
    await seedBase();
    const second = await seedDemo();
    expect(second.firstRun).toBe(false);
    expect(second.users).toEqual(first.users);
    expect(second.agents).toEqual(first.agents);
    expect(await counts()).toEqual(after);
  });

  it("demo passwords verify against the stored argon2 hashes", async () => {
    const u = await db().user.findUniqueOrThrow({ where: { email: "oncall@gatehouse.local" } });
    expect(u.roles).toBe("oncall,reviewer");
    expect(u.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(u.passwordHash!, "oncall-demo")).toBe(true);
    expect(await verifyPassword(u.passwordHash!, "admin-demo")).toBe(false);
  });

  it("demo agent keys are stored only as hashes that match, with their scope", async () => {
    for (const a of DEMO_AGENTS) {
      const row = await db().agentCredential.findUniqueOrThrow({ where: { keyPrefix: parseAgentKey(a.key)!.prefix } });
      expect(row.keyHash).not.toContain(a.key);
      expect(agentKeyMatches(a.key, row.keyHash)).toBe(true);
      expect({ tenant: row.tenantId, env: row.env, routes: JSON.parse(row.routes) }).toEqual({ tenant: a.tenant, env: a.env, routes: a.routes });
      expect(unseal(row.callbackSecret, `callback-secret:${row.id}`)).toMatch(/^whsec_/);
    }
  });

  it("routes have an active v1 policy that parses, and their policy tests", async () => {
    for (const r of DEMO_ROUTES) {
      const route = await db().route.findUniqueOrThrow({ where: { name: r.name } });
      expect(route.activeVersion).toBe(1);
      const v = await db().policyVersion.findUniqueOrThrow({ where: { routeId_version: { routeId: route.id, version: 1 } } });
      expect(v).toMatchObject({ status: "active", reason: "demo seed" });
      expect(parsePolicy(v.policy)).toEqual(parsePolicy(r.policy));
      const tests = await db().policyTest.findMany({ where: { routeId: route.id } });
      expect(tests.map((t) => [t.tool, t.expect]).sort()).toEqual(r.tests.map((t) => [t.tool, t.expect]).sort());
    }
    const tool = await db().tool.findUniqueOrThrow({ where: { name: "ticket.close" } });
    expect(JSON.parse(tool.argsSchema)).toEqual(DEMO_TOOLS.find((t) => t.name === "ticket.close")!.argsSchema);
  });

  it("records one seed.demo audit event, without any key, and the chain verifies", async () => {
    const ev = await db().auditEvent.findFirstOrThrow({ where: { type: "seed.demo" } });
    expect(ev.actorType).toBe("system");
    for (const a of DEMO_AGENTS) expect(ev.data).not.toContain(a.key);
    for (const u of DEMO_USERS) expect(ev.data).not.toContain(u.password);
    expect(await verifyStoredChain()).toEqual({ ok: true, count: 1 });
  });
});
