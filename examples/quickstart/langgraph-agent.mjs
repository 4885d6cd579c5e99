// The README LangGraph.js quick start (plain Node 20 ESM;
// `npm install @gatehouse-dev/sdk @langchain/langgraph @langchain/core`): a graph node closes a ticket
// through Gatehouse. While the action is pending the graph is interrupted (its state is in the
// checkpointer); this process waits for the decision in Gatehouse and resumes the graph, and the
// node calls the tool service with the token.
//
//   GATEHOUSE_URL=http://localhost:3000 AGENT_KEY=gh_… TOOL_URL=http://127.0.0.1:4100 node langgraph-agent.mjs [ticket-id]
import { GatehouseAgent } from "@gatehouse-dev/sdk";
import { gatehouseLangGraph } from "@gatehouse-dev/sdk/langgraph";
import { Annotation, Command, END, MemorySaver, START, StateGraph } from "@langchain/langgraph";

process.env.LANGSMITH_TRACING ??= "false"; // no LangSmith upload unless you ask for it

const toolUrl = process.env.TOOL_URL ?? "http://127.0.0.1:4100";
const apiKey = process.env.AGENT_KEY;
if (!apiKey) throw new Error("set AGENT_KEY to an agent key (the demo keys are printed at first start)");
const ticketId = process.argv[2] ?? "T-18422";

const client = new GatehouseAgent({ baseUrl: process.env.GATEHOUSE_URL ?? "http://localhost:3000", apiKey });
const run = await client.startRun(process.env.GATEHOUSE_ROUTE ?? "support/send");
const gh = gatehouseLangGraph({ client, runId: run.run_id });

const State = Annotation.Root({ ticket: Annotation(), outcome: Annotation() });
const graph = new StateGraph(State)
  .addNode("close", async ({ ticket }) => {
    const d = await gh.approval({ tool: "ticket.close", args: { ticket_id: ticket, resolution: "Reset auth token" }, idempotencyKey: `${run.run_id}:close:${ticket}` });
    if (d.decision === "reject") return { outcome: `not closed (${d.status}: ${d.reason})` };
    // d.args are the approved args (a reviewer's edit, if any): the token is bound to them.
    const res = await fetch(`${toolUrl}/tools/ticket.close`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${d.token}` },
      body: JSON.stringify(d.args),
    });
    return { outcome: `tool answered ${res.status} ${JSON.stringify(await res.json())}` };
  })
  .addEdge(START, "close")
  .addEdge("close", END)
  .compile({ checkpointer: new MemorySaver() });

const config = { configurable: { thread_id: `ticket-${ticketId}` } };
let state = await graph.invoke({ ticket: ticketId }, config);
while (state.__interrupt__?.length) {
  const { action_id } = state.__interrupt__[0].value.gatehouse;
  console.log(`action ${action_id}: pending`);
  await client.waitForDecision(action_id, { timeoutMs: Number(process.env.WAIT_MS ?? 15 * 60_000) });
  state = await graph.invoke(new Command({ resume: { action_id } }), config);
}
console.log(state.outcome);
if (!/^tool answered 200/.test(state.outcome)) process.exit(1);
