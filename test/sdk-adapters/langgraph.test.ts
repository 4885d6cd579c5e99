import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Annotation, Command, END, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { freshDemoDb } from "../support/demo-db";
import { startAgentServer } from "../support/agent-server";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { voteOnAction } from "@/lib/actions/vote-on-action";
import { editActionArgs } from "@/lib/actions/edit-action-args";
import { GatehouseAgent, createToolService } from "@gatehouse-dev/sdk";
import { gatehouseLangGraph, type GatehouseInterrupt, type GatehouseResume, type LangGraphGatehouse } from "@gatehouse-dev/sdk/langgraph";

// The LangGraph.js adapter against the real library (StateGraph, interrupt, Command resume, the
// MemorySaver checkpointer) and a real Gatehouse over HTTP. No model is needed: the node proposes
// a ticket close. Decisions go through the console's vote and edit functions — directly, or from a
// resume through the adapter's `forward` hook. LangSmith tracing is off; no network.

process.env.LANGCHAIN_TRACING_V2 = "false";
process.env.LANGSMITH_TRACING = "false";

let cleanup: () => Promise<void>;
let server: { url: string; close: () => Promise<void> };
const acme = DEMO_AGENTS.find((a) => a.name === "acme-support")!;
const userId = async (email: string) => (await db().user.findUniqueOrThrow({ where: { email } })).id;
const toolService = () => createToolService({ gatehouseUrl: server.url, issuer: env().GATEHOUSE_ISSUER, audience: env().GATEHOUSE_AUDIENCE, tenant: "acme", env: "prod" });

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  server = await startAgentServer();
});
afterAll(async () => {
  await server?.close();
  await cleanup?.();
});

const State = Annotation.Root({
  ticket: Annotation<string>(),
  tool: Annotation<string>(),
  outcome: Annotation<string>(),
});

/** Forward a resume as the console would record it: reject with a reason, or edit (one reviewer) then approve (another). */
const consoleForward = async (actionId: string, r: NonNullable<GatehouseResume>) => {
  if (r.decision === "edit") await editActionArgs({ actionId, userId: await userId("reviewer2@gatehouse.local"), args: r.args });
  if (r.decision === "reject") await voteOnAction({ actionId, userId: await userId("reviewer@gatehouse.local"), vote: "reject", rejectReason: r.reason });
  else await voteOnAction({ actionId, userId: await userId("reviewer@gatehouse.local"), vote: "approve" });
};

async function setup(opts: { forward?: boolean } = {}) {
  const client = new GatehouseAgent({ baseUrl: server.url, apiKey: acme.key });
  const run = await client.startRun("support/send");
  const make = () => gatehouseLangGraph({ client, runId: run.run_id, resumeWaitSeconds: 1, ...(opts.forward ? { forward: consoleForward } : {}) });
  const current: { gh: LangGraphGatehouse } = { gh: make() };
  const executed: { args: Record<string, unknown>; token: string }[] = [];
  const graph = new StateGraph(State)
    .addNode("act", async (s) => {
      const args = s.tool === "db.write" ? { table: "users", where: {}, set: { admin: true } } : { ticket_id: s.ticket, resolution: "Password reset" };
      const d = await current.gh.approval({ tool: s.tool, args, idempotencyKey: `thread:${s.ticket}:${s.tool}` });
      if (d.decision === "reject") return { outcome: `reject:${d.status}:${d.reason}` };
      executed.push({ args: d.args, token: d.token });
      return { outcome: `${d.decision}:${JSON.stringify(d.args)}` };
    })
    .addEdge(START, "act")
    .addEdge("act", END)
    .compile({ checkpointer: new MemorySaver() });
  return { run, graph, executed, current, make };
}

async function interruptsOf(graph: Awaited<ReturnType<typeof setup>>["graph"], thread: string): Promise<GatehouseInterrupt[]> {
  const st = await graph.getState({ configurable: { thread_id: thread } });
  return st.tasks.flatMap((t) => t.interrupts.map((i) => i.value as GatehouseInterrupt));
}

describe("@gatehouse-dev/sdk/langgraph", () => {
  it("pending interrupts the graph (no token in the interrupt); a resume that says approve while Gatehouse waits interrupts again; Gatehouse's approval resumes to approve with a token", async () => {
    const s = await setup();
    const cfg = { configurable: { thread_id: "lg-1" } };
    await s.graph.invoke({ ticket: "T-3001", tool: "ticket.close" }, cfg);
    const [intr] = await interruptsOf(s.graph, "lg-1");
    expect(intr!.gatehouse.action_id).toBeTruthy();
    expect(intr!.gatehouse.approvals).toEqual({ required: 1, received: 0 });
    expect(JSON.stringify(intr)).not.toMatch(/eyJ/); // no JWT
    const action = await db().action.findUniqueOrThrow({ where: { id: intr!.gatehouse.action_id! } });
    expect(action.idempotencyKey).toBe("thread:T-3001:ticket.close");

    // The graph's UI says "approve" but nobody approved in Gatehouse: still interrupted, nothing ran.
    const again = await s.graph.invoke(new Command({ resume: { decision: "approve" } }), cfg);
    expect(s.executed).toHaveLength(0);
    expect(again.outcome).toBeUndefined();
    expect((await interruptsOf(s.graph, "lg-1")).map((i) => i.gatehouse.action_id)).toEqual([action.id]);

    await voteOnAction({ actionId: action.id, userId: await userId("reviewer@gatehouse.local"), vote: "approve" });
    const done = await s.graph.invoke(new Command({ resume: { decision: "approve" } }), cfg);
    expect(done.outcome).toMatch(/^approve:/);
    expect(s.executed).toHaveLength(1);
    const args = { ticket_id: "T-3001", resolution: "Password reset" };
    expect((await toolService().verify(s.executed[0]!.token, "ticket.close", args)).action_id).toBe(action.id);
    expect(await db().action.count({ where: { runId: s.run.run_id } })).toBe(1);
  });

  it("reject with a reason, forwarded to Gatehouse as a reviewer's vote: the node gets reject and the reason; nothing runs", async () => {
    const s = await setup({ forward: true });
    const cfg = { configurable: { thread_id: "lg-2" } };
    await s.graph.invoke({ ticket: "T-3002", tool: "ticket.close" }, cfg);
    const done = await s.graph.invoke(new Command({ resume: { decision: "reject", reason: "Customer still affected" } }), cfg);
    expect(done.outcome).toBe("reject:rejected:Customer still affected");
    expect(s.executed).toHaveLength(0);
    const [intr] = (await db().action.findMany({ where: { runId: s.run.run_id } })).map((a) => a.status);
    expect(intr).toBe("rejected");
  });

  it("edit: the reviewer's args come back as decision edit with a token bound to them — also when the resume runs in a fresh adapter (another process) and re-proposing would mismatch", async () => {
    const s = await setup({ forward: true });
    const cfg = { configurable: { thread_id: "lg-3" } };
    await s.graph.invoke({ ticket: "T-3003", tool: "ticket.close" }, cfg);
    const [intr] = await interruptsOf(s.graph, "lg-3");
    const edited = { ticket_id: "T-3003", resolution: "Closed after callback" };
    // Decide in Gatehouse first (console edit + vote), then resume from an adapter that has never seen the call.
    await consoleForward(intr!.gatehouse.action_id!, { decision: "edit", args: edited });
    s.current.gh = s.make();
    const done = await s.graph.invoke(new Command({ resume: { action_id: intr!.gatehouse.action_id } }), cfg);
    expect(done.outcome).toBe(`edit:${JSON.stringify(edited)}`);
    await toolService().verify(s.executed[0]!.token, "ticket.close", edited);
    await expect(toolService().verify(s.executed[0]!.token, "ticket.close", { ticket_id: "T-3003", resolution: "Password reset" })).rejects.toThrow();
  });

  it("a resume naming another call's action is refused; denied never interrupts and never runs", async () => {
    const s = await setup();
    await s.graph.invoke({ ticket: "T-3004", tool: "ticket.close" }, { configurable: { thread_id: "lg-4a" } });
    await s.graph.invoke({ ticket: "T-3005", tool: "ticket.close" }, { configurable: { thread_id: "lg-4b" } });
    const [a] = await interruptsOf(s.graph, "lg-4a");
    const [b] = await interruptsOf(s.graph, "lg-4b");
    // Edit b so that re-proposing it mismatches, then try to resume b with a's action id.
    await editActionArgs({ actionId: b!.gatehouse.action_id!, userId: await userId("reviewer2@gatehouse.local"), args: { ticket_id: "T-3005", resolution: "edited" } });
    s.current.gh = s.make();
    await expect(s.graph.invoke(new Command({ resume: { action_id: a!.gatehouse.action_id } }), { configurable: { thread_id: "lg-4b" } })).rejects.toThrow(/not this call's/);
    expect(s.executed).toHaveLength(0);

    const denied = await s.graph.invoke({ ticket: "T-3006", tool: "db.write" }, { configurable: { thread_id: "lg-4c" } });
    expect(denied.outcome).toBe("reject:denied:tool_denied");
    expect(await interruptsOf(s.graph, "lg-4c")).toEqual([]);
  });
});
