import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { Agent, Runner, Usage, setTracingDisabled, type Model, type ModelProvider, type ModelRequest, type ModelResponse } from "@openai/agents";
import { freshDemoDb } from "../support/demo-db";
import { startAgentServer } from "../support/agent-server";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { voteOnAction } from "@/lib/actions/vote-on-action";
import { editActionArgs } from "@/lib/actions/edit-action-args";
import { GatehouseAgent, createToolService } from "@gatehouse-dev/sdk";
import { gatehouseOpenAIAgents } from "@gatehouse-dev/sdk/openai-agents";

// The OpenAI Agents SDK adapter against the real library (its Runner, RunState, approvals) and a
// real Gatehouse over HTTP. The model is scripted (our Model/ModelProvider: it returns the tool
// calls a model would); decisions are cast through the console's vote and edit functions.
// No network: tracing is off and there is no OPENAI_API_KEY (the suite's network guard would fail
// any outbound connection).

setTracingDisabled(true);
delete process.env.OPENAI_API_KEY;

let cleanup: () => Promise<void>;
let server: { url: string; close: () => Promise<void> };
const acme = DEMO_AGENTS.find((a) => a.name === "acme-support")!;
const userId = async (email: string) => (await db().user.findUniqueOrThrow({ where: { email } })).id;

/** A model that calls the scripted tools once, then answers with what the tools returned. */
class ScriptedModel implements Model {
  requests: ModelRequest[] = [];
  constructor(private readonly calls: { name: string; callId: string; args: unknown }[]) {}
  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    this.requests.push(request);
    const input = Array.isArray(request.input) ? request.input : [];
    const outputs = input.filter((i) => (i as { type?: string }).type === "function_call_result") as { callId: string; output: unknown }[];
    if (outputs.length === 0) {
      return {
        usage: new Usage(),
        output: this.calls.map((c) => ({ type: "function_call" as const, callId: c.callId, name: c.name, arguments: JSON.stringify(c.args), status: "completed" as const })),
      };
    }
    const text = outputs.map((o) => `${o.callId}=${JSON.stringify(o.output)}`).join("; ");
    return { usage: new Usage(), output: [{ type: "message", role: "assistant", status: "completed", content: [{ type: "output_text", text }] }] };
  }
  async *getStreamedResponse(): AsyncIterable<never> {
    throw new Error("not used");
  }
}
const provider = (m: Model): ModelProvider => ({ getModel: () => m });

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  server = await startAgentServer();
});
afterAll(async () => {
  await server?.close();
  await cleanup?.();
});

async function setup(calls: { name: string; callId: string; args: unknown }[]) {
  const client = new GatehouseAgent({ baseUrl: server.url, apiKey: acme.key });
  const run = await client.startRun("support/send");
  const gh = gatehouseOpenAIAgents({ client, runId: run.run_id });
  const executed: { tool: string; args: Record<string, unknown>; token: string }[] = [];
  const closeTicket = gh.tool({
    tool: "ticket.close",
    description: "Close a ticket",
    parameters: z.object({ ticket_id: z.string(), resolution: z.string() }),
    reason: (a) => `Resolved: ${a.resolution}`,
    execute: (args, grant) => {
      executed.push({ tool: "ticket.close", args, token: grant.token });
      return { closed: args.ticket_id };
    },
  });
  const search = gh.tool({
    tool: "kb.search",
    description: "Search",
    parameters: z.object({ query: z.string() }),
    execute: (args, grant) => (executed.push({ tool: "kb.search", args, token: grant.token }), { hits: 2 }),
  });
  const dbWrite = gh.tool({
    tool: "db.write",
    description: "Write",
    parameters: {
      type: "object",
      properties: { table: { type: "string" }, where: { type: "object" }, set: { type: "object" } },
      required: ["table", "where", "set"],
      additionalProperties: false,
    },
    strict: false,
    execute: (args, grant) => (executed.push({ tool: "db.write", args, token: grant.token }), "written"),
  });
  const model = new ScriptedModel(calls);
  const agent = new Agent({ name: "support", instructions: "Close resolved tickets.", model: "scripted", tools: [closeTicket, search, dbWrite] });
  const runner = new Runner({ modelProvider: provider(model), tracingDisabled: true });
  return { client, run, gh, executed, agent, runner, model };
}

const tools = () => createToolService({ gatehouseUrl: server.url, issuer: env().GATEHOUSE_ISSUER, audience: env().GATEHOUSE_AUDIENCE, tenant: "acme", env: "prod" });

describe("@gatehouse-dev/sdk/openai-agents", () => {
  it("a write interrupts the run; after a reviewer approves in Gatehouse the RunState resumes and the tool runs once with a token bound to its args", async () => {
    const args = { ticket_id: "T-1001", resolution: "Password reset" };
    const s = await setup([{ name: "ticket_close", callId: "call_close_1", args }]);
    const first = await s.runner.run(s.agent, "Close T-1001");
    expect(first.interruptions).toHaveLength(1);
    expect(s.executed).toHaveLength(0);

    // One Gatehouse action, keyed by the tool call id.
    const action = await db().action.findFirstOrThrow({ where: { runId: s.run.run_id, tool: "ticket.close" } });
    expect(action.idempotencyKey).toBe(`${s.run.run_id}:call_close_1`);
    expect(action.status).toBe("pending");

    // Nothing decided yet: resolving with no wait leaves it interrupted and approves nothing.
    expect(await s.gh.resolveInterruptions(first, { timeoutMs: 0 })).toHaveLength(1);

    await voteOnAction({ actionId: action.id, userId: await userId("reviewer@gatehouse.local"), vote: "approve" });
    expect(await s.gh.resolveInterruptions(first, { timeoutMs: 5_000 })).toHaveLength(0);
    const second = await s.runner.run(s.agent, first.state);
    expect(second.interruptions ?? []).toHaveLength(0);
    expect(s.executed).toHaveLength(1);
    expect(s.executed[0]!.args).toEqual(args);
    expect(String(second.finalOutput)).toContain("T-1001");

    // The token the wrapped tool got is Gatehouse's, for exactly these args, single use.
    const claims = await tools().verify(s.executed[0]!.token, "ticket.close", args);
    expect(claims.action_id).toBe(action.id);
    await expect(tools().verify(s.executed[0]!.token, "ticket.close", { ...args, ticket_id: "T-9" })).rejects.toThrow();
    // The model never saw it: tokens are tool auth, not prompt text.
    expect(JSON.stringify(s.model.requests)).not.toContain(s.executed[0]!.token);
    await tools().redeem(s.executed[0]!.token, "ticket.close", args);
    const result = await db().action.findUniqueOrThrow({ where: { id: action.id } });
    expect(result.resultStatus).toBe("ok");
  });

  it("a rejection with a reason: the tool never runs and the model reads the reviewer's reason", async () => {
    const s = await setup([{ name: "ticket_close", callId: "call_close_2", args: { ticket_id: "T-1002", resolution: "Not really" } }]);
    const first = await s.runner.run(s.agent, "Close T-1002");
    expect(first.interruptions).toHaveLength(1);
    const action = await db().action.findFirstOrThrow({ where: { runId: s.run.run_id, tool: "ticket.close" } });
    await voteOnAction({ actionId: action.id, userId: await userId("reviewer@gatehouse.local"), vote: "reject", rejectReason: "Customer still affected" });
    expect(await s.gh.resolveInterruptions(first, { timeoutMs: 5_000 })).toHaveLength(0);
    const second = await s.runner.run(s.agent, first.state);
    expect(s.executed).toHaveLength(0);
    expect(String(second.finalOutput)).toContain("Customer still affected");
  });

  it("a reviewer's edit: the tool runs with the edited args, and the token is bound to them", async () => {
    const s = await setup([{ name: "ticket_close", callId: "call_close_3", args: { ticket_id: "T-1003", resolution: "Refunded twice" } }]);
    const first = await s.runner.run(s.agent, "Close T-1003");
    const action = await db().action.findFirstOrThrow({ where: { runId: s.run.run_id, tool: "ticket.close" } });
    const edited = { ticket_id: "T-1003", resolution: "Refunded once" };
    await editActionArgs({ actionId: action.id, userId: await userId("reviewer2@gatehouse.local"), args: edited });
    await voteOnAction({ actionId: action.id, userId: await userId("reviewer@gatehouse.local"), vote: "approve" });
    expect(await s.gh.resolveInterruptions(first, { timeoutMs: 5_000 })).toHaveLength(0);
    await s.runner.run(s.agent, first.state);
    expect(s.executed.map((e) => e.args)).toEqual([edited]);
    await tools().verify(s.executed[0]!.token, "ticket.close", edited);
    await expect(tools().verify(s.executed[0]!.token, "ticket.close", { ticket_id: "T-1003", resolution: "Refunded twice" })).rejects.toThrow();
  });

  it("allowed runs at once, denied never runs (the model reads the reason code), and a framework-side approval of a pending call does not run it", async () => {
    const s = await setup([
      { name: "kb_search", callId: "call_kb", args: { query: "reset password" } },
      { name: "db_write", callId: "call_db", args: { table: "users", where: {}, set: { admin: true } } },
      { name: "ticket_close", callId: "call_close_4", args: { ticket_id: "T-1004", resolution: "x" } },
    ]);
    const first = await s.runner.run(s.agent, "go");
    expect(first.interruptions.map((i) => i.name)).toEqual(["ticket_close"]);
    // Someone approves in the framework without Gatehouse: the wrapped tool still needs the token.
    first.state.approve(first.interruptions[0]!);
    const second = await s.runner.run(s.agent, first.state);
    expect(s.executed.map((e) => e.tool)).toEqual(["kb.search"]);
    const out = String(second.finalOutput);
    expect(out).toMatch(/call_db=.*not run \(denied: tool_denied\)/);
    expect(out).toMatch(/call_close_4=.*waiting for approval/);
    expect(await db().action.count({ where: { runId: s.run.run_id, tool: "db.write" } })).toBe(0);
  });
});
