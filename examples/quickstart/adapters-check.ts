// Compiled (tsc --noEmit, NodeNext) in the scratch project with the frameworks installed next to the
// SDK tarball: each adapter subpath resolves through the exports map and types against the real library.
import { z } from "zod";
import { Agent } from "@openai/agents";
import { generateText } from "ai";
import { GatehouseAgent } from "@gatehouse-dev/sdk";
import { gatehouseOpenAIAgents } from "@gatehouse-dev/sdk/openai-agents";
import { gatehouseAiSdk } from "@gatehouse-dev/sdk/ai";
import { gatehouseLangGraph, type GatehouseDecision } from "@gatehouse-dev/sdk/langgraph";

const client = new GatehouseAgent({ baseUrl: "http://localhost:3000", apiKey: "gh_x" });

const oa = gatehouseOpenAIAgents({ client, runId: "run_1" });
const agent = new Agent({
  name: "support",
  tools: [
    oa.tool({
      tool: "ticket.close",
      description: "Close",
      parameters: z.object({ ticket_id: z.string() }),
      execute: (args, grant) => `${String(args.ticket_id)} ${grant.token.length}`,
    }),
  ],
});

const ai = gatehouseAiSdk({ client, runId: "run_1" });
const tools = { closeTicket: ai.tool({ tool: "ticket.close", description: "Close", inputSchema: z.object({ ticket_id: z.string() }), execute: (args) => args.ticket_id }) };
const next = async (r: Awaited<ReturnType<typeof generateText<typeof tools>>>) => (await ai.approvalResponses(r)).message;

const lg = gatehouseLangGraph({ client, runId: () => "run_1" });
const decide = (): Promise<GatehouseDecision> => lg.approval({ tool: "ticket.close", args: { ticket_id: "T-1" }, idempotencyKey: "k" });

export { agent, next, decide };
