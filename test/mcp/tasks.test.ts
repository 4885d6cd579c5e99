import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { freshDemoDb } from "../support/demo-db";
import { startAgentServer } from "../support/agent-server";
import { setPolicy } from "../support/fixtures";
import { db } from "@/lib/db/client";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { voteOnAction } from "@/lib/actions/vote-on-action";
import { closeUpstreamConnections } from "@/lib/mcp/upstream-client";
import { startDemoUpstreamHttp } from "@/examples/mcp-upstream";
import { agentClient, registerDemoUpstream, UPSTREAM_TOKEN } from "./support";

// MCP tasks (protocol 2025-11-25; @modelcontextprotocol/sdk 1.32.2 implements them as experimental):
// a client that asks for a task gets one for a call that goes to a human, polls it, and gets the result
// once a reviewer approves — run once by Gatehouse, with the tenant's credential.

let cleanup: () => Promise<void>;
let server: { url: string; close: () => Promise<void> };
let upstream: Awaited<ReturnType<typeof startDemoUpstreamHttp>>;
let reviewer: string;
const clients: Client[] = [];
const acme = DEMO_AGENTS.find((a) => a.name === "acme-support")!;

type Msg = { type: string; task?: { taskId: string; status: string }; result?: unknown; error?: unknown };

async function connect(): Promise<Client> {
  const c = await agentClient(server.url, "support/send", acme.key);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  const id = async (email: string) => (await db().user.findUniqueOrThrow({ where: { email } })).id;
  const [admin1, admin2] = [await id("admin@gatehouse.local"), await id("admin2@gatehouse.local")];
  reviewer = await id("reviewer@gatehouse.local");
  upstream = await startDemoUpstreamHttp({ token: UPSTREAM_TOKEN });
  await registerDemoUpstream({ name: "demo", transport: "http", url: upstream.url, admin1, admin2 });
  await setPolicy("support/send", (p) => ({
    ...p,
    allow_tools: [...(p.allow_tools as string[]), "demo.get_ticket"],
    require_approval: [...(p.require_approval as string[]), "demo.close_ticket"],
  }));
  server = await startAgentServer();
});
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await closeUpstreamConnections();
  await server.close();
  await upstream.close();
  await cleanup();
});

describe("MCP tasks through the gateway (SDK Client, experimental tasks)", () => {
  it("the server offers tasks for tools/call; tools that wait for a human say taskSupport: optional", async () => {
    const c = await connect();
    expect(c.getServerCapabilities()?.tasks?.requests?.tools?.call).toBeDefined();
    const tools = (await c.listTools()).tools;
    expect(tools.find((t) => t.name === "demo.close_ticket")?.execution?.taskSupport).toBe("optional");
    expect(tools.find((t) => t.name === "demo.get_ticket")?.execution).toBeUndefined();
  });

  it("a call that needs approval becomes a task: working until a reviewer approves, then completed with the upstream's result, run once", async () => {
    const c = await connect();
    await c.listTools(); // the client learns which tools support tasks
    const before = upstream.state.received.length;
    const args = { ticket_id: "T-2", resolution: "task approved" };
    const seen: Msg[] = [];
    let approved = false;
    for await (const m of c.experimental.tasks.callToolStream({ name: "demo.close_ticket", arguments: args }, CallToolResultSchema, { timeout: 30_000 }) as AsyncIterable<Msg>) {
      seen.push(m);
      if (m.type === "taskStatus" && m.task?.status === "working" && !approved) {
        expect(upstream.state.received.length).toBe(before);
        const action = await db().action.findUniqueOrThrow({ where: { id: m.task.taskId } });
        expect(action.status).toBe("pending");
        await voteOnAction({ actionId: action.id, userId: reviewer, vote: "approve" });
        approved = true;
      }
    }
    expect(seen[0]!.type).toBe("taskCreated");
    expect(seen[0]!.task).toMatchObject({ status: "working", ttl: null });
    const done = await c.experimental.tasks.getTask(seen[0]!.task!.taskId);
    const row = await db().mcpPendingCall.findUniqueOrThrow({ where: { actionId: done.taskId } });
    // Kept from creation until 24 h after it finished: the ttl says so, to the millisecond of the row's stamps.
    expect(done).toMatchObject({ status: "completed", lastUpdatedAt: row.finishedAt!.toISOString(), ttl: row.finishedAt!.getTime() + 24 * 3_600_000 - row.createdAt.getTime() });
    const last = seen[seen.length - 1]!;
    expect(last.type, JSON.stringify(last)).toBe("result");
    expect((last.result as { content: { text: string }[] }).content[0]!.text).toBe("Closed T-2: task approved");
    expect(upstream.state.received.slice(before)).toEqual([{ tool: "close_ticket", args, authorization: `Bearer ${UPSTREAM_TOKEN}` }]);
  });

  it("a rejected task completes with the reviewer's reason; the upstream is never called", async () => {
    const c = await connect();
    await c.listTools();
    const before = upstream.state.received.length;
    let last: Msg | undefined;
    for await (const m of c.experimental.tasks.callToolStream({ name: "demo.close_ticket", arguments: { ticket_id: "T-1", resolution: "no" } }, CallToolResultSchema, {
      timeout: 30_000,
    }) as AsyncIterable<Msg>) {
      if (m.type === "taskCreated") await voteOnAction({ actionId: m.task!.taskId, userId: reviewer, vote: "reject", rejectReason: "Still open upstream" });
      last = m;
    }
    expect(last?.type).toBe("result");
    const r = last!.result as { isError?: boolean; content: { text: string }[] };
    expect(r.isError).toBe(true);
    expect(r.content[0]!.text).toContain("Still open upstream");
    expect(upstream.state.received.length).toBe(before);
  });

  it("an allowed read asked as a task is a completed task holding the result; another session cannot read it", async () => {
    const c = await connect();
    let taskId = "";
    let last: Msg | undefined;
    for await (const m of c.experimental.tasks.callToolStream({ name: "demo.get_ticket", arguments: { ticket_id: "T-2" } }, CallToolResultSchema, {
      task: {},
    }) as AsyncIterable<Msg>) {
      if (m.type === "taskCreated") taskId = m.task!.taskId;
      last = m;
    }
    expect(taskId).toMatch(/^mcpt_/);
    expect(JSON.stringify(last?.result)).toContain("Refund request");
    // Its ttl is what Gatehouse keeps it for (answered at once: the result TTL, 24 h), not null ("unlimited"); read twice, it has not changed.
    const first = await c.experimental.tasks.getTask(taskId);
    await new Promise((r) => setTimeout(r, 20));
    const again = await c.experimental.tasks.getTask(taskId);
    expect(first).toMatchObject({ status: "completed", ttl: 24 * 3_600_000, lastUpdatedAt: first.createdAt });
    expect(again).toEqual(first);
    const other = await connect();
    await expect(other.experimental.tasks.getTask(taskId)).rejects.toThrow(/not found/i);
  });
});
