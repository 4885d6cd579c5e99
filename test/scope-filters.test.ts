/**
 * A filter narrows a viewer's scope, never replaces it: a viewer whose scopes reach nowhere (a role scoped to
 * nothing; a human API token whose tenant scopes no longer meet its owner's) and a viewer of one tenant get
 * nothing of another tenant from any list, count or export however they filter it. Real route handlers,
 * real sign-ins and tokens, the real database (both providers under scripts/test-postgres.sh).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "./support/demo-db";
import { makeUser } from "./support/fixtures";
import { demoAgent, params, sessionRequest } from "./security/helpers";
import { db } from "@/lib/db/client";
import { authenticateAgent } from "@/lib/agents/authenticate-agent";
import { startRun } from "@/lib/runs/start-run";
import { proposeAction } from "@/lib/actions/propose-action";
import { createApiToken } from "@/lib/auth/api-tokens";
import { GET as cliList } from "@/app/api/cli/actions/route";
import { GET as consoleList } from "@/app/api/console/actions/route";
import { GET as auditList } from "@/app/api/console/audit/route";
import { GET as auditExport } from "@/app/api/console/audit/export/route";

let cleanup: () => Promise<void>;
const ctx = { requestId: "scope-filters" };
let n = 0;
async function propose(tenant: string, tool: string, args: Record<string, unknown>): Promise<void> {
  const p = await authenticateAgent(new Request("http://x", { headers: { authorization: `Bearer ${demoAgent(tenant, "prod", "support/send").key}` } }));
  const run = await startRun(p, "support/send", ctx);
  await proposeAction(p, { run_id: run.run_id, tool, args, idempotency_key: `sf-${++n}` }, ctx);
}

const FILTERS = ["", "?tenant=acme", "?tenant=globex", "?env=prod", "?tenant=globex&env=prod", "?route=support/send", "?tool=ticket.close"];
const tenantsOf = (rows: { tenantId?: string | null; tenant?: string | null }[]) => [...new Set(rows.map((r) => r.tenantId ?? r.tenant ?? null))];

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  await propose("acme", "ticket.close", { ticket_id: "T-1" });
  await propose("globex", "ticket.close", { ticket_id: "T-2" });
}, 60_000);
afterAll(() => cleanup());

/** What a signed-in viewer gets from the queue, the history, the audit log and its export under one filter. */
async function consoleReach(userId: string, q: string) {
  const sep = q ? "&" : "?";
  const queue = await (await consoleList(await sessionRequest(userId, `http://localhost:3000/api/console/actions${q}`), params({}))).json();
  const history = await (await consoleList(await sessionRequest(userId, `http://localhost:3000/api/console/actions${q}${sep}view=history`), params({}))).json();
  const audit = await (await auditList(await sessionRequest(userId, `http://localhost:3000/api/console/audit${q}`), params({}))).json();
  const lines = (await (await auditExport(await sessionRequest(userId, `http://localhost:3000/api/console/audit/export${q}${sep}format=jsonl`), params({}))).text())
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { tenantId?: string; tenant?: string });
  return { queue, history, audit, lines };
}

describe("a filter never widens a viewer's scope", () => {
  it("a viewer whose role reaches nowhere gets nothing, however filtered", async () => {
    const v = await makeUser("nowhere@example.com", ["viewer"]);
    await db().user.update({ where: { id: v }, data: { scopes: "*", roleScopes: "viewer=" } });
    for (const q of FILTERS) {
      const { queue, history, audit, lines } = await consoleReach(v, q);
      expect([q, queue.total, queue.items.length]).toEqual([q, 0, 0]);
      expect([q, (history.items ?? []).length]).toEqual([q, 0]);
      expect([q, audit.rows.length]).toEqual([q, 0]);
      expect([q, lines.length]).toEqual([q, 0]);
    }
  });

  it("a viewer of acme/prod gets acme's rows only, and nothing for a globex filter", async () => {
    const v = await makeUser("acme-viewer@example.com", ["viewer"]);
    await db().user.update({ where: { id: v }, data: { scopes: "acme/prod" } });
    for (const q of FILTERS) {
      const { queue, history, audit, lines } = await consoleReach(v, q);
      const tenants = [...tenantsOf(queue.items), ...tenantsOf(history.items ?? []), ...tenantsOf(audit.rows), ...tenantsOf(lines)];
      expect([q, tenants.filter((t) => t !== "acme")]).toEqual([q, []]);
      if (q.includes("globex")) expect([q, tenants.length]).toEqual([q, 0]);
    }
    // The unfiltered queue does show acme's action: the test can see rows at all.
    expect((await consoleReach(v, "")).queue.total).toBe(1);
  });

  it("a human API token whose tenant scopes no longer meet its owner's gets nothing, however filtered", async () => {
    const r = await makeUser("bot-owner@example.com", ["reviewer"]);
    const t = await createApiToken({ name: "bot", scopes: ["actions:read"], tenant_scopes: ["acme/prod"] }, { actorId: r });
    const list = async (q: string) =>
      (await cliList(new Request(`http://localhost:3000/api/cli/actions${q}`, { headers: { authorization: `Bearer ${t.token}` } }), params({}))).json();
    expect((await list("")).total).toBe(1);
    await db().user.update({ where: { id: r }, data: { scopes: "globex/prod" } });
    for (const q of FILTERS) {
      const b = await list(q);
      expect([q, b.total, b.items.length]).toEqual([q, 0, 0]);
    }
  });
});
