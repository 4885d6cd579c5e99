import "server-only";
import { db } from "@/lib/db/client";
import { hashAgentKey, parseAgentKey } from "@/lib/agents/credential-key";
import { DEMO_AGENTS, DEMO_USERS } from "@/lib/seed/demo-data";

export type DemoPresence = { users: string[]; agents: { name: string; keyPrefix: string }[] };

/**
 * The demo accounts and demo agent keys (public: they are in the README) that
 * still work in this database: enabled users with a demo e-mail, unrevoked
 * credentials holding a demo key. Disabled users and revoked keys are inert.
 */
export async function findLiveDemoData(): Promise<DemoPresence> {
  const users = await db().user.findMany({ where: { email: { in: DEMO_USERS.map((u) => u.email) }, disabled: false }, select: { email: true } });
  const demoKeys = DEMO_AGENTS.map((a) => ({ name: a.name, prefix: parseAgentKey(a.key)!.prefix, hash: hashAgentKey(a.key) }));
  const creds = await db().agentCredential.findMany({
    where: { keyPrefix: { in: demoKeys.map((k) => k.prefix) }, revokedAt: null },
    select: { name: true, keyPrefix: true, keyHash: true },
  });
  const agents = creds.filter((c) => demoKeys.some((k) => k.prefix === c.keyPrefix && k.hash === c.keyHash)).map((c) => ({ name: c.name, keyPrefix: c.keyPrefix }));
  return { users: users.map((u) => u.email).sort(), agents: agents.sort((a, b) => a.name.localeCompare(b.name)) };
}

/**
 * Production refuses to start on a database holding live demo data it did not
 * create (seeded earlier in development, say): anyone who read the README could
 * sign in or act as an agent. Names what it found and how to clear it.
 */
export async function assertNoLiveDemoData(): Promise<void> {
  const found = await findLiveDemoData();
  if (found.users.length === 0 && found.agents.length === 0) return;
  const lines = [
    "Gatehouse refuses to start in production mode: this database holds demo data, whose passwords and keys are public.",
    ...(found.users.length ? ["  demo users (enabled):", ...found.users.map((e) => `    ${e}`)] : []),
    ...(found.agents.length ? ["  demo agent keys (not revoked):", ...found.agents.map((a) => `    ${a.name} (key prefix ${a.keyPrefix})`)] : []),
    "Disable or delete these users and revoke these keys (console: Users, Agents) from a start without GATEHOUSE_PRODUCTION,",
    "or point production at a fresh database.",
  ];
  throw new Error(lines.join("\n"));
}
