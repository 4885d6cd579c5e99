import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "./support/demo-db";
import { makeUser } from "./support/fixtures";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { createCredential } from "@/lib/agents/create-credential";
import { authenticateAgent, type AgentPrincipal } from "@/lib/agents/authenticate-agent";
import { startRun } from "@/lib/runs/start-run";
import { refreshRunToken } from "@/lib/runs/refresh-run-token";
import { proposeAction } from "@/lib/actions/propose-action";
import { voteOnAction } from "@/lib/actions/vote-on-action";
import { deliverDue } from "@/lib/webhooks/deliver";
import { publicJwks } from "@/lib/tokens/signing-keys";
import { verifyRunToken } from "@gatehouse-dev/sdk";
import { verifyCallback } from "@gatehouse-dev/sdk";
import { AppError } from "@/lib/errors";

let cleanup: () => Promise<void>;
const ctx = { requestId: "req_test_runs" };

async function agentWith(opts: { routes: string[]; callbackAllowlist?: string[] }): Promise<{ agent: AgentPrincipal; callbackSecret: string }> {
  const c = await createCredential({ name: "runs-test", tenantId: "acme", env: "prod", ...opts });
  const agent = await authenticateAgent(new Request("http://x", { headers: { authorization: `Bearer ${c.key}` } }));
  return { agent, callbackSecret: c.callbackSecret };
}

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
});
afterAll(() => cleanup());

describe("runs", () => {
  it("the run token names only the route's allowed read tools and verifies offline", async () => {
    const { agent } = await agentWith({ routes: ["support/draft"] });
    const run = await startRun(agent, "support/draft", ctx);
    expect(run.tools).toContain("kb.search");
    expect(run.tools).not.toContain("email.send");
    expect(run.tools).not.toContain("email.draft");
    const jwks = await publicJwks();
    const claims = await verifyRunToken(run.run_token, {
      jwks,
      issuer: env().GATEHOUSE_ISSUER,
      audience: env().GATEHOUSE_AUDIENCE,
      tenant: "acme",
      env: "prod",
      tool: "kb.search",
    });
    expect(claims.run_id).toBe(run.run_id);
    await expect(
      verifyRunToken(run.run_token, { jwks, issuer: env().GATEHOUSE_ISSUER, audience: env().GATEHOUSE_AUDIENCE, tenant: "acme", env: "prod", tool: "email.send" }),
    ).rejects.toThrow();
    expect(Date.parse(run.run_token_expires_at) - Date.now()).toBeLessThanOrEqual(300_000);
  });

  it("run tokens refresh within the run's budgets and not after", async () => {
    const { agent } = await agentWith({ routes: ["support/draft"] });
    const run = await startRun(agent, "support/draft", ctx);
    const fresh = await refreshRunToken(agent, run.run_id, ctx);
    expect(fresh.run_token).not.toBe(run.run_token);
    await db().run.update({ where: { id: run.run_id }, data: { expiresAt: new Date(Date.now() + 30_000) } });
    const short = await refreshRunToken(agent, run.run_id, ctx);
    expect(Date.parse(short.run_token_expires_at)).toBeLessThanOrEqual(Date.now() + 31_000);
    await db().run.update({ where: { id: run.run_id }, data: { expiresAt: new Date(Date.now() - 1) } });
    const err = await refreshRunToken(agent, run.run_id, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).reason).toBe("budget_seconds");
    await db().run.update({ where: { id: run.run_id }, data: { expiresAt: new Date(Date.now() + 60_000), stepsUsed: 25 } });
    expect(((await refreshRunToken(agent, run.run_id, ctx).catch((e: unknown) => e)) as AppError).reason).toBe("budget_steps");
  });

  it("a run is refused on a route the credential does not hold", async () => {
    const { agent } = await agentWith({ routes: ["support/draft"] });
    const err = (await startRun(agent, "support/send", ctx).catch((e: unknown) => e)) as AppError;
    expect(err.reason).toBe("route_not_permitted");
    expect(await db().auditEvent.count({ where: { type: "run.denied", reason: "route_not_permitted" } })).toBeGreaterThan(0);
  });

  it("an approved action sends one signed callback the agent can verify", async () => {
    const received: { body: string; headers: Record<string, string> }[] = [];
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        received.push({ body, headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as AddressInfo).port;
      const { agent, callbackSecret } = await agentWith({ routes: ["support/send"], callbackAllowlist: ["127.0.0.1"] });
      const run = await startRun(agent, "support/send", ctx);
      const { view } = await proposeAction(
        agent,
        { run_id: run.run_id, tool: "ticket.close", args: { ticket_id: "T-3" }, idempotency_key: "cb-1", callback_url: `http://127.0.0.1:${port}/hook` },
        ctx,
      );
      const reviewer = await makeUser("cb-reviewer@example.com", ["reviewer"]);
      await voteOnAction({ actionId: view.action_id, userId: reviewer, vote: "approve" });
      await deliverDue();
      expect(received).toHaveLength(1);
      const payload = verifyCallback(received[0]!.body, received[0]!.headers, callbackSecret) as { type: string; data: Record<string, unknown> };
      expect(payload.type).toBe("action.approved");
      expect(payload.data.action_id).toBe(view.action_id);
      expect(received[0]!.body).not.toMatch(/eyJ/);
      await deliverDue();
      expect(received).toHaveLength(1);
    } finally {
      server.close();
    }
  });

  it("a callback URL to a private address is refused at proposal time unless allowlisted", async () => {
    const { agent } = await agentWith({ routes: ["support/send"] });
    const run = await startRun(agent, "support/send", ctx);
    for (const url of ["http://127.0.0.1/x", "http://169.254.169.254/latest", "http://10.0.0.7/", "http://[::1]/"]) {
      const err = (await proposeAction(agent, { run_id: run.run_id, tool: "ticket.close", args: { ticket_id: "T-4" }, idempotency_key: url, callback_url: url }, ctx).catch(
        (e: unknown) => e,
      )) as AppError;
      expect(err.status).toBe(422);
    }
    expect(await db().action.count({ where: { runId: run.run_id } })).toBe(0);
  });
});
