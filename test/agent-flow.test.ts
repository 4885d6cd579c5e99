import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "./support/demo-db";
import { startAgentServer } from "./support/agent-server";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { GatehouseAgent } from "@/lib/sdk/agent-client";
import { createToolService } from "@/lib/sdk/tool-service";
import { voteOnAction } from "@/lib/actions/vote-on-action";
import { verifyChain } from "@/lib/audit/chain";
import { startTicketService } from "@/examples/ticket-service";
import { closeTicketWithApproval } from "@/examples/demo-agent";

let cleanup: () => Promise<void>;
let server: { url: string; close: () => Promise<void> };
const acme = DEMO_AGENTS.find((a) => a.tenant === "acme" && a.env === "prod" && a.routes.includes("support/send"))!;

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  server = await startAgentServer();
});
afterAll(async () => {
  await server.close();
  await cleanup();
});

describe("the enforced path over real HTTP", () => {
  it("propose → pending → approved → long-poll gets the token → tool service redeems once → audit holds the chain", async () => {
    const agent = new GatehouseAgent({ baseUrl: server.url, apiKey: acme.key });
    const run = await agent.startRun("support/send");
    const args = { ticket_id: "T-18421", resolution: "Reset auth token and verified login" };
    const proposal = await agent.propose({
      run_id: run.run_id,
      tool: "ticket.close",
      args,
      idempotency_key: "req_9f2c:ticket.close:T-18421",
      reason: "Issue resolved: reset auth token and verified login",
    });
    expect(proposal.status).toBe("pending");
    if (proposal.status === "denied") throw new Error("unexpected denial");
    expect(proposal.token).toBeUndefined();

    const reviewer = await db().user.findUniqueOrThrow({ where: { email: "reviewer@gatehouse.local" } });
    const waiting = agent.waitForDecision(proposal.action_id, { pollSeconds: 20 });
    await new Promise((r) => setTimeout(r, 300));
    const approvedAt = Date.now();
    await voteOnAction({ actionId: proposal.action_id, userId: reviewer.id, vote: "approve" });
    const decided = await waiting;
    expect(Date.now() - approvedAt).toBeLessThan(1000);
    expect(decided.status).toBe("approved");
    expect(decided.token).toBeTruthy();

    const tools = createToolService({
      gatehouseUrl: server.url,
      issuer: env().GATEHOUSE_ISSUER,
      audience: env().GATEHOUSE_AUDIENCE,
      tenant: "acme",
      env: "prod",
    });
    const claims = await tools.verify(decided.token!, "ticket.close", args);
    expect(claims.action_id).toBe(proposal.action_id);
    await tools.redeem(decided.token!, "ticket.close", args);
    await expect(tools.redeem(decided.token!, "ticket.close", args)).rejects.toThrow();
    await agent.reportResult(proposal.action_id, { status: "ok", duration_ms: 42 });

    const events = await db().auditEvent.findMany({ where: { OR: [{ actionId: proposal.action_id }, { runId: run.run_id }] }, orderBy: { seq: "asc" } });
    const types = events.map((e) => e.type);
    const order = ["run.started", "action.decided", "approval.recorded", "action.approved", "token.minted", "token.redeemed", "token.redeem_refused", "action.result"];
    let last = -1;
    for (const t of order) {
      const at = types.indexOf(t, last + 1);
      expect(at, `${t} after index ${last} in ${types.join(", ")}`).toBeGreaterThan(last);
      last = at;
    }
    const all = await db().auditEvent.findMany({ orderBy: { seq: "asc" } });
    expect(verifyChain(all.map((r) => ({ ...r, seq: Number(r.seq), at: r.at.toISOString() }))).ok).toBe(true);
    const text = JSON.stringify(all, (_k, v: unknown) => (typeof v === "bigint" ? Number(v) : v));
    expect(text).not.toContain(decided.token!);
    expect(text).not.toContain(run.run_token);
  });

  it("the demo agent and the demo ticket service complete the flow once a reviewer approves", async () => {
    const svc = await startTicketService({ gatehouseUrl: server.url, tenant: "acme", env: "prod" });
    try {
      const reviewer = await db().user.findUniqueOrThrow({ where: { email: "reviewer2@gatehouse.local" } });
      const flow = closeTicketWithApproval({ gatehouseUrl: server.url, apiKey: acme.key, toolUrl: svc.url, ticketId: "T-18421", log: () => {} });
      let pending = null;
      for (let i = 0; i < 50 && !pending; i++) {
        pending = await db().action.findFirst({ where: { tool: "ticket.close", status: "pending", summary: { contains: "T-18421" } } });
        if (!pending) await new Promise((r) => setTimeout(r, 50));
      }
      expect(pending).toBeTruthy();
      await voteOnAction({ actionId: pending!.id, userId: reviewer.id, vote: "approve" });
      const out = await flow;
      expect(out.status).toBe(200);
      expect(svc.tickets.get("T-18421")?.status).toBe("closed");
      const action = await db().action.findUniqueOrThrow({ where: { id: out.actionId } });
      expect(action.redeemedAt).not.toBeNull();
      expect(action.resultStatus).toBe("ok");
    } finally {
      await svc.close();
    }
  });
});
