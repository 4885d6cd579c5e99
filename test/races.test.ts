import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "./support/demo-db";
import { makeRoute, makeUser } from "./support/fixtures";
import { db } from "@/lib/db/client";
import { createCredential } from "@/lib/agents/create-credential";
import { authenticateAgent, type AgentPrincipal } from "@/lib/agents/authenticate-agent";
import { startRun } from "@/lib/runs/start-run";
import { proposeAction } from "@/lib/actions/propose-action";
import { voteOnAction } from "@/lib/actions/vote-on-action";

let cleanup: () => Promise<void>;
const ctx = { requestId: "req_test_races" };

async function principal(routes: string[]): Promise<AgentPrincipal> {
  const { key } = await createCredential({ name: `race-${routes.join("+")}`, tenantId: "acme", env: "prod", routes });
  return authenticateAgent(new Request("http://x", { headers: { authorization: `Bearer ${key}` } }));
}

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  await makeRoute("test/budget10", { allow_tools: ["kb.search"], budgets: { steps: 10, seconds: 3600, usd: 5 } });
});
afterAll(() => cleanup());

describe("concurrency", () => {
  it("50 concurrent approvals by two reviewers on one destructive action yield one token", async () => {
    const agent = await principal(["support/send"]);
    const run = await startRun(agent, "support/send", ctx);
    const { view } = await proposeAction(agent, { run_id: run.run_id, tool: "customer.delete", args: { customer_id: "C-77" }, idempotency_key: "race-1" }, ctx);
    expect(view.status).toBe("pending");
    const r1 = await makeUser("race1@example.com", ["reviewer"]);
    const r2 = await makeUser("race2@example.com", ["reviewer"]);
    const votes = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => voteOnAction({ actionId: view.action_id, userId: i % 2 ? r1 : r2, vote: "approve" })));
    const transitions = votes.filter((v) => v.status === "fulfilled" && v.value.transitioned);
    expect(transitions).toHaveLength(1);
    expect(await db().issuedToken.count({ where: { actionId: view.action_id, kind: "action" } })).toBe(1);
    expect(await db().auditEvent.count({ where: { actionId: view.action_id, type: "action.approved" } })).toBe(1);
    expect(await db().approval.count({ where: { actionId: view.action_id } })).toBe(2);
    expect((await db().action.findUniqueOrThrow({ where: { id: view.action_id } })).status).toBe("approved");
  });

  it("100 concurrent proposals with one idempotency key make one action", async () => {
    const agent = await principal(["support/send"]);
    const run = await startRun(agent, "support/send", ctx);
    const results = await Promise.all(
      Array.from({ length: 100 }, () => proposeAction(agent, { run_id: run.run_id, tool: "ticket.close", args: { ticket_id: "T-5" }, idempotency_key: "same-key" }, ctx)),
    );
    expect(new Set(results.map((r) => r.view.action_id)).size).toBe(1);
    expect(await db().action.count({ where: { credentialId: agent.credentialId, idempotencyKey: "same-key" } })).toBe(1);
    const used = await db().run.findUniqueOrThrow({ where: { id: run.run_id } });
    expect(used.stepsUsed).toBe(1);
  });

  it("100 concurrent proposals against a budget of 10 steps allow at most 10", async () => {
    const agent = await principal(["test/budget10"]);
    const run = await startRun(agent, "test/budget10", ctx);
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) => proposeAction(agent, { run_id: run.run_id, tool: "kb.search", args: { query: `q${i}` }, idempotency_key: `b-${i}` }, ctx)),
    );
    const allowed = results.filter((r) => r.status === "fulfilled" && r.value.view.status === "allowed");
    // A run out of its own budget is that run's problem: these denials never trip the route's breaker.
    const denied = results.filter((r) => r.status === "rejected" && (r.reason as { reason?: string }).reason === "budget_steps");
    expect(allowed).toHaveLength(10);
    expect(denied).toHaveLength(90);
    expect((await db().run.findUniqueOrThrow({ where: { id: run.run_id } })).stepsUsed).toBe(10);
  });
});
