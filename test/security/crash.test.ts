import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "../support/demo-db";
import { makeRoute } from "../support/fixtures";
import { db } from "@/lib/db/client";
import { createCredential } from "@/lib/agents/create-credential";
import { verifyStoredChain } from "@/lib/audit/verify-stored-chain";
import { call } from "./helpers";
import { spawnAgentServer, type ChildServer } from "./spawn-server";

// Threat: the process dies mid-decision (OOM kill, power loss, kill -9).
// After a restart the audit chain must verify, every decision a client was
// told about must exist exactly once, nothing may exist without its audit
// event, and retrying an unanswered request must not make a second action.

let cleanup: () => Promise<void>;
let databaseUrl: string;
let dataDir: string;
let key: string;
let server: ChildServer | undefined;

beforeAll(async () => {
  ({ cleanup, databaseUrl, dataDir } = await freshDemoDb());
  await makeRoute("crash/route", { allow_tools: ["kb.search"], require_approval: ["ticket.close"], budgets: { steps: 100_000, seconds: 86_400, usd: 1000 } });
  await db().route.update({ where: { name: "crash/route" }, data: { breakerThreshold: 1_000_000_000 } });
  key = (await createCredential({ name: "crash", tenantId: "acme", env: "prod", routes: ["crash/route"] })).key;
});
afterAll(async () => {
  await server?.stop();
  await cleanup();
});

type Sent = { key: string; tool: string; args: Record<string, unknown>; status: number | null; actionId?: string };

describe("kill -9 under load", () => {
  it("after a restart the chain verifies and no decision is lost or duplicated", async () => {
    server = await spawnAgentServer(databaseUrl, dataDir);
    const first = server.url;
    const runId = (await call(first, "POST", "/api/v1/runs", key, { route: "crash/route" })).body.run_id as string;
    expect(runId).toBeTruthy();

    const sent: Sent[] = [];
    let stop = false;
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const s: Sent = { key: `crash-${w}-${i}`, tool: i % 3 ? "kb.search" : "ticket.close", args: i % 3 ? { query: `q${w}-${i}` } : { ticket_id: `T-${w}${i}` }, status: null };
        sent.push(s);
        try {
          const r = await call(first, "POST", "/api/v1/actions", key, { run_id: runId, tool: s.tool, args: s.args, idempotency_key: s.key });
          s.status = r.status;
          s.actionId = r.body.action_id;
        } catch {
          return; // the server is gone: this request's outcome is unknown
        }
      }
    };
    const workers = Array.from({ length: 8 }, (_, w) => worker(w));
    // Kill mid-stream: once a fair number of decisions were answered, with more in flight.
    const deadline = Date.now() + 30_000;
    while (sent.filter((s) => s.status !== null).length < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    server.child.kill("SIGKILL");
    stop = true;
    await Promise.all(workers);
    await server.stop();

    const answered = sent.filter((s) => s.status !== null && s.status < 300);
    expect(answered.length).toBeGreaterThan(10);
    expect(sent.every((s) => s.status === null || s.status < 500)).toBe(true);

    server = await spawnAgentServer(databaseUrl, dataDir);
    expect(await verifyStoredChain()).toMatchObject({ ok: true });

    // Every decision a client saw exists exactly once, under its key.
    for (const s of answered) {
      const rows = await db().action.findMany({ where: { idempotencyKey: s.key } });
      expect(
        rows.map((r) => r.id),
        s.key,
      ).toEqual([s.actionId]);
    }
    // Every action has exactly one decision event, and every token its minted event.
    const actions = await db().action.findMany();
    for (const a of actions) {
      expect(await db().auditEvent.count({ where: { actionId: a.id, type: "action.decided" } }), a.id).toBe(1);
      if (a.tokenJti) expect(await db().auditEvent.count({ where: { jti: a.tokenJti, type: "token.minted" } })).toBe(1);
    }
    // Retrying what went unanswered returns the committed action or makes one; never two.
    const unanswered = sent.filter((s) => s.status === null);
    for (const s of unanswered) {
      const r = await call(server.url, "POST", "/api/v1/actions", key, { run_id: runId, tool: s.tool, args: s.args, idempotency_key: s.key });
      expect([200, 202]).toContain(r.status);
      expect(await db().action.count({ where: { idempotencyKey: s.key } })).toBe(1);
    }
    const run = await db().run.findUniqueOrThrow({ where: { id: runId } });
    expect(run.stepsUsed).toBe(await db().action.count({ where: { runId } }));
    expect(await verifyStoredChain()).toMatchObject({ ok: true });
  }, 120_000);
});
