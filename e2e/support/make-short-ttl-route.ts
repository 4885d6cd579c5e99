// Run by e2e/support/short-ttl-agent.ts with GATEHOUSE_DATA_DIR set to the e2e server's data dir.
import { db, closeDb } from "@/lib/db/client";
import { createCredential } from "@/lib/agents/create-credential";

const ROUTE = "e2e/short-ttl";

if (!process.env.DATABASE_URL) delete process.env.DATABASE_URL;
const policy = {
  allow_tools: ["kb.search"],
  deny_tools: [],
  require_approval: ["ticket.close"],
  auto_approve: [],
  budgets: { steps: 50, seconds: 3600, usd: 5 },
  audit: { enabled: true },
  approval: { write_approvals: 1, pending_ttl_seconds: 3, escalate_after_seconds: 600, reads_require_approval: false },
};
if (!(await db().route.findUnique({ where: { name: ROUTE } }))) {
  const r = await db().route.create({ data: { name: ROUTE, description: "e2e: 3-second pending TTL", activeVersion: 1 } });
  await db().policyVersion.create({ data: { routeId: r.id, version: 1, policy: JSON.stringify(policy), status: "active", reason: "e2e setup" } });
}
const cred = await createCredential({ name: `e2e-short-ttl-${Date.now()}`, tenantId: "acme", env: "dev", routes: [ROUTE] });
await closeDb();
console.log(JSON.stringify({ key: cred.key }));
