import "server-only";
import { db } from "@/lib/db/client";
import { isUniqueViolation } from "@/lib/db/errors";
import { appendAudit } from "@/lib/audit/append";
import { hashPassword } from "@/lib/auth/password";
import { hashAgentKey, generateCallbackSecret, parseAgentKey } from "@/lib/agents/credential-key";
import { seal } from "@/lib/crypto/seal";
import { newId } from "@/lib/crypto/new-id";
import { parsePolicy } from "@/lib/policy/policy-schema";
import { parseToolEntry } from "@/lib/catalog/tool-schema";
import { toolRowData } from "@/lib/catalog/save-tool";
import { DEMO_AGENTS, DEMO_ROUTES, DEMO_TENANTS, DEMO_TOOLS, DEMO_USERS } from "@/lib/seed/demo-data";
import { withDemoPreviews } from "@/lib/seed/demo-tools";
import { env } from "@/lib/env";

export type SeedListing = {
  firstRun: boolean;
  users: { email: string; password: string; roles: string[] }[];
  agents: { name: string; key: string; tenant: string; env: string; routes: string[] }[];
};

/** Marker row: demo data is present when this tenant exists. */
const MARKER_TENANT = "acme";

/**
 * What production needs too: only the audit chain's head row (the migration
 * inserts it; this restores it if someone created the schema another way).
 * Idempotent.
 */
export async function seedBase(): Promise<void> {
  if (await db().auditHead.findUnique({ where: { id: 1 } })) return;
  try {
    await db().auditHead.create({ data: { id: 1, seq: 0, hash: "genesis" } });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
  }
}

export type SeedDemoOptions = {
  /**
   * argon2id hashes of the demo users' public passwords, by email, to store instead of
   * hashing at seed time (the test suite's fixtures: test/support/demo-password-hashes.ts,
   * each verified against its password by a test). Users without one are hashed here.
   */
  passwordHashes?: Readonly<Record<string, string>>;
};

/**
 * DEMO ONLY: tenants, users, the tool catalog, routes with their policies and
 * policy tests, and agent credentials with fixed keys — in one transaction
 * with a `seed.demo` audit event. Idempotent: once the demo tenant exists it
 * changes nothing and returns firstRun false with the same listing.
 */
export async function seedDemo(options: SeedDemoOptions = {}): Promise<SeedListing> {
  const listing = {
    users: DEMO_USERS.map((u) => ({ email: u.email, password: u.password, roles: [...u.roles] })),
    agents: DEMO_AGENTS.map((a) => ({ name: a.name, key: a.key, tenant: a.tenant, env: a.env, routes: [...a.routes] })),
  };
  if (await db().tenant.findUnique({ where: { id: MARKER_TENANT } })) return { firstRun: false, ...listing };

  // Validate the demo data with the same parsers production uses, before writing anything.
  const tools = withDemoPreviews(DEMO_TOOLS, env().GATEHOUSE_DEMO_TOOL_SERVICE_URL).map(parseToolEntry);
  const routes = DEMO_ROUTES.map((r) => ({ ...r, policy: parsePolicy(r.policy) }));
  for (const a of DEMO_AGENTS) {
    if (!parseAgentKey(a.key)) throw new Error(`demo agent ${a.name} has a malformed key`);
  }
  // argon2 is slow on purpose; hash outside the transaction.
  const passwordHashes = await Promise.all(DEMO_USERS.map((u) => options.passwordHashes?.[u.email] ?? hashPassword(u.password)));

  try {
    await db().$transaction(async (tx) => {
      for (const t of DEMO_TENANTS) await tx.tenant.create({ data: { id: t.id, name: t.name } });
      for (const [i, u] of DEMO_USERS.entries()) {
        await tx.user.create({ data: { email: u.email, name: u.name, roles: u.roles.join(","), passwordHash: passwordHashes[i]! } });
      }
      for (const t of tools) {
        await tx.tool.create({ data: { name: t.name, ...toolRowData(t) } });
      }
      for (const r of routes) {
        const route = await tx.route.create({ data: { name: r.name, description: r.description, activeVersion: 1 } });
        await tx.policyVersion.create({ data: { routeId: route.id, version: 1, policy: JSON.stringify(r.policy), status: "active", reason: "demo seed" } });
        for (const test of r.tests) {
          await tx.policyTest.create({ data: { routeId: route.id, tool: test.tool, expect: test.expect, note: test.note } });
        }
      }
      for (const a of DEMO_AGENTS) {
        const id = newId("cred");
        await tx.agentCredential.create({
          data: {
            id,
            name: a.name,
            tenantId: a.tenant,
            env: a.env,
            routes: JSON.stringify(a.routes),
            keyPrefix: parseAgentKey(a.key)!.prefix,
            keyHash: hashAgentKey(a.key),
            callbackSecret: seal(generateCallbackSecret(), `callback-secret:${id}`),
          },
        });
      }
      await appendAudit(tx, {
        type: "seed.demo",
        actorType: "system",
        data: {
          tenants: DEMO_TENANTS.map((t) => t.id),
          users: DEMO_USERS.map((u) => u.email),
          tools: tools.map((t) => t.name),
          routes: routes.map((r) => r.name),
          agents: DEMO_AGENTS.map((a) => ({ name: a.name, tenant: a.tenant, env: a.env, key_prefix: parseAgentKey(a.key)!.prefix })),
        },
      });
    });
  } catch (err) {
    // Another instance seeded at the same moment; its rows are the same.
    if (isUniqueViolation(err) && (await db().tenant.findUnique({ where: { id: MARKER_TENANT } }))) return { firstRun: false, ...listing };
    throw err;
  }
  return { firstRun: true, ...listing };
}
