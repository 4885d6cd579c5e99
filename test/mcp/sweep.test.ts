import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { freshDemoDb } from "../support/demo-db";
import { startAgentServer } from "../support/agent-server";
import { setPolicy } from "../support/fixtures";
import { db } from "@/lib/db/client";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { voteOnAction } from "@/lib/actions/vote-on-action";
import { closeUpstreamConnections } from "@/lib/mcp/upstream-client";
import { mcpCallsView, resultTtlMs, stuckClaimMs, sweepMcpCalls } from "@/lib/mcp/sweep";
import { MCP_VIEW_FAILED, MCP_VIEW_RUNNING } from "@/lib/db/tables/mcp";
import { appendAudit } from "@/lib/audit/append";
import { startDemoUpstreamHttp } from "@/examples/mcp-upstream";
import { agentClient, registerDemoUpstream, UPSTREAM_TOKEN } from "./support";

let cleanup: () => Promise<void>;
let server: { url: string; close: () => Promise<void> };
let upstream: Awaited<ReturnType<typeof startDemoUpstreamHttp>>;
let reviewer: string;
let client: Client;
const acme = DEMO_AGENTS.find((a) => a.name === "acme-support")!;

type Result = { content: { type: string; text: string }[]; isError?: boolean; structuredContent?: Record<string, unknown> };
const textOf = (r: unknown) => (r as Result).content.map((c) => c.text).join("\n");

/** A call that needs a human, past the (short) wait bound: the gateway answers with its action id. */
async function pendingCall(args: Record<string, unknown>): Promise<string> {
  const r = (await client.callTool({ name: "demo.close_ticket", arguments: args })) as Result;
  expect(r.structuredContent?.status, textOf(r)).toBe("pending");
  return String(r.structuredContent!.action_id);
}

beforeAll(async () => {
  process.env.GATEHOUSE_MCP_PENDING_WAIT_MS = "100";
  ({ cleanup } = await freshDemoDb());
  const id = async (email: string) => (await db().user.findUniqueOrThrow({ where: { email } })).id;
  const [admin1, admin2] = [await id("admin@gatehouse.local"), await id("admin2@gatehouse.local")];
  reviewer = await id("reviewer@gatehouse.local");
  upstream = await startDemoUpstreamHttp({ token: UPSTREAM_TOKEN });
  await registerDemoUpstream({ name: "demo", transport: "http", url: upstream.url, admin1, admin2 });
  await setPolicy("support/send", (p) => ({ ...p, require_approval: [...(p.require_approval as string[]), "demo.close_ticket"] }));
  server = await startAgentServer();
  client = await agentClient(server.url, "support/send", acme.key);
});
afterAll(async () => {
  await client?.close().catch(() => {});
  await closeUpstreamConnections();
  await server.close();
  await upstream.close();
  await cleanup();
  delete process.env.GATEHOUSE_MCP_PENDING_WAIT_MS;
});

describe("MCP sweep: stuck claims and sealed arguments", () => {
  it("an approved call whose instance crashed after its claim is closed as failed-unknown: never re-run, audited, told to the model", async () => {
    const actionId = await pendingCall({ ticket_id: "T-1", resolution: "stuck" });
    await voteOnAction({ actionId, userId: reviewer, vote: "approve" });
    // The crash: an instance claimed the call (to run it) and died before it finished.
    const claimedAt = new Date(Date.now() - stuckClaimMs() - 1000);
    await db().mcpPendingCall.update({ where: { actionId }, data: { claimedAt } });
    const before = upstream.state.received.length;

    // Not yet past the bound from the sweep's point of view: nothing happens.
    expect((await sweepMcpCalls(new Date(claimedAt.getTime() + 1000))).failedUnknown).toBe(0);
    // While claimed, the model is told it is being run; Gatehouse does not start it a second time.
    const running = (await client.callTool({ name: "gatehouse.action_status", arguments: { action_id: actionId } })) as Result;
    expect(running.structuredContent?.status).toBe("running");

    expect(await sweepMcpCalls()).toEqual({ failedUnknown: 1, argsDeleted: 0, resultsDeleted: 0 });
    // A second sweep (or another instance's) finds nothing to close.
    expect((await sweepMcpCalls()).failedUnknown).toBe(0);

    const row = await db().mcpPendingCall.findUniqueOrThrow({ where: { actionId } });
    expect(row.finishedAt).not.toBeNull();
    expect(row.sealedArgs).toBeNull();
    const events = await db().auditEvent.findMany({ where: { actionId, type: "mcp.call_failed_unknown" } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ tool: "demo.close_ticket", status: "error", reason: "failed_unknown", tenantId: "acme", env: "prod" });

    const status = (await client.callTool({ name: "gatehouse.action_status", arguments: { action_id: actionId } })) as Result;
    expect(status.isError).toBe(true);
    expect(status.structuredContent?.status).toBe("failed_unknown");
    expect(textOf(status)).toContain("does not run it again");
    // Never re-run: the upstream saw nothing.
    expect(upstream.state.received.length).toBe(before);
  });

  it("a rejected call's sealed raw args are deleted by the sweep; action_status then gives the reviewer's reason", async () => {
    const actionId = await pendingCall({ ticket_id: "T-2", resolution: "rejected one" });
    expect((await db().mcpPendingCall.findUniqueOrThrow({ where: { actionId } })).sealedArgs).not.toBeNull();
    await voteOnAction({ actionId, userId: reviewer, vote: "reject", rejectReason: "Not this one" });
    expect((await sweepMcpCalls()).argsDeleted).toBe(1);
    const row = await db().mcpPendingCall.findUniqueOrThrow({ where: { actionId } });
    expect(row.sealedArgs).toBeNull();
    expect(row.finishedAt).not.toBeNull();
    const status = (await client.callTool({ name: "gatehouse.action_status", arguments: { action_id: actionId } })) as Result;
    expect(status.structuredContent?.status).toBe("rejected");
    expect(textOf(status)).toContain("Not this one");
  });

  it("a still-pending call keeps its sealed args; an executed one has none left", async () => {
    const pendingId = await pendingCall({ ticket_id: "T-1", resolution: "waiting" });
    await sweepMcpCalls();
    expect((await db().mcpPendingCall.findUniqueOrThrow({ where: { actionId: pendingId } })).sealedArgs).not.toBeNull();

    await voteOnAction({ actionId: pendingId, userId: reviewer, vote: "approve" });
    const ran = (await client.callTool({ name: "gatehouse.action_status", arguments: { action_id: pendingId, wait_seconds: 2 } })) as Result;
    expect(textOf(ran)).toBe("Closed T-1: waiting");
    const row = await db().mcpPendingCall.findUniqueOrThrow({ where: { actionId: pendingId } });
    expect(row.sealedArgs).toBeNull();
    expect(row.finishedAt).not.toBeNull();
  });

  it("a finished call's row and sealed answer are deleted once older than the result TTL; a pending one stays; action_status then says so, without the answer", async () => {
    const ranId = await pendingCall({ ticket_id: "T-2", resolution: "kept a day" });
    await voteOnAction({ actionId: ranId, userId: reviewer, vote: "approve" });
    const ran = (await client.callTool({ name: "gatehouse.action_status", arguments: { action_id: ranId, wait_seconds: 2 } })) as Result;
    expect(textOf(ran)).toBe("Closed T-2: kept a day");
    const rejectedId = await pendingCall({ ticket_id: "T-1", resolution: "never" });
    await voteOnAction({ actionId: rejectedId, userId: reviewer, vote: "reject", rejectReason: "Wrong ticket" });
    expect(((await client.callTool({ name: "gatehouse.action_status", arguments: { action_id: rejectedId, wait_seconds: 2 } })) as Result).structuredContent?.status).toBe(
      "rejected",
    );
    const waitingId = await pendingCall({ ticket_id: "T-1", resolution: "still waiting" });
    const finishedAt = (await db().mcpPendingCall.findUniqueOrThrow({ where: { actionId: ranId } })).finishedAt!;

    // Within the TTL the answers stay, and action_status repeats them.
    expect((await sweepMcpCalls(new Date(finishedAt.getTime() + resultTtlMs() - 60_000))).resultsDeleted).toBe(0);
    expect(textOf(await client.callTool({ name: "gatehouse.action_status", arguments: { action_id: ranId } }))).toBe("Closed T-2: kept a day");

    // Past it (the sweep checks once a minute), both finished rows go; the pending one stays, its sealed args too.
    const later = new Date(finishedAt.getTime() + resultTtlMs() + 120_000);
    expect((await sweepMcpCalls(later)).resultsDeleted).toBeGreaterThanOrEqual(2);
    for (const id of [ranId, rejectedId]) expect(await db().mcpPendingCall.findUnique({ where: { actionId: id } })).toBeNull();
    expect((await db().mcpPendingCall.findUniqueOrThrow({ where: { actionId: waitingId } })).sealedArgs).not.toBeNull();
    const gone = (await client.callTool({ name: "gatehouse.action_status", arguments: { action_id: ranId } })) as Result;
    expect(gone.isError).toBe(true);
    expect(gone.structuredContent).toMatchObject({ status: "not_found" });
    expect(textOf(gone)).not.toContain("kept a day");
    expect(textOf(gone)).toContain("is kept");
    // The audit log still has what happened.
    expect(await db().auditEvent.count({ where: { actionId: ranId, type: "action.result" } })).toBe(1);
  });

  it("the admin view counts every running and failed-unknown call and says when it lists only some", async () => {
    const before = await mcpCallsView();
    const now = new Date();
    const ids = Array.from({ length: MCP_VIEW_RUNNING + 1 }, (_, i) => `act_view_${i}`);
    await db().mcpPendingCall.createMany({ data: ids.map((actionId, i) => ({ actionId, sessionId: "s", toolName: "demo.close_ticket", claimedAt: new Date(now.getTime() - i) })) });
    for (let i = 0; i < MCP_VIEW_FAILED + 1; i++)
      await appendAudit(db(), {
        type: "mcp.call_failed_unknown",
        actorType: "system",
        actionId: `act_view_failed_${i}`,
        tool: "demo.close_ticket",
        status: "error",
        reason: "failed_unknown",
      });
    try {
      const view = await mcpCallsView(now);
      expect(view.running).toHaveLength(MCP_VIEW_RUNNING);
      expect(view.running_total).toBe(before.running_total + MCP_VIEW_RUNNING + 1);
      // The longest-running first: the one claimed earliest is listed.
      expect(view.running.map((r) => r.action_id)).toContain(ids.at(-1));
      expect(view.failed_unknown).toHaveLength(MCP_VIEW_FAILED);
      expect(view.failed_unknown_total).toBe(before.failed_unknown_total + MCP_VIEW_FAILED + 1);
      expect(view.failed_unknown[0]!.action_id).toBe(`act_view_failed_${MCP_VIEW_FAILED}`);
    } finally {
      await db().mcpPendingCall.deleteMany({ where: { actionId: { in: ids } } });
    }
  });
});
