// The README agent quick start (plain Node 20 ESM; `npm install @gatehouse-dev/sdk`):
// start a run, propose a write, wait for a human, call the tool with the action token.
//
//   GATEHOUSE_URL=http://localhost:3000 AGENT_KEY=gh_… TOOL_URL=http://127.0.0.1:4100 node agent.mjs [ticket-id]
import { GatehouseAgent } from "@gatehouse-dev/sdk";

const gatehouseUrl = process.env.GATEHOUSE_URL ?? "http://localhost:3000";
const toolUrl = process.env.TOOL_URL ?? "http://127.0.0.1:4100";
const route = process.env.GATEHOUSE_ROUTE ?? "support/send";
const apiKey = process.env.AGENT_KEY;
if (!apiKey) throw new Error("set AGENT_KEY to an agent key (the demo keys are printed at first start and listed in README)");
const ticketId = process.argv[2] ?? "T-18421";

const agent = new GatehouseAgent({ baseUrl: gatehouseUrl, apiKey });
const run = await agent.startRun(route);
console.log(`run ${run.run_id} on ${run.route} (${run.tenant}/${run.env})`);

const args = { ticket_id: ticketId, resolution: "Reset auth token and verified login" };
const proposal = await agent.propose({
  run_id: run.run_id,
  tool: "ticket.close",
  args,
  // One key per intended call: a retry of the same call gets the same action back.
  idempotency_key: `${run.run_id}:ticket.close:${ticketId}`,
  reason: "Issue resolved: reset auth token and verified login",
});
if (proposal.status === "denied") throw new Error(`denied: ${proposal.reason_code} — ${proposal.message}`);
console.log(`action ${proposal.action_id}: ${proposal.status}`);

// Pending: a human decides in the console (/queue); the SDK long-polls.
const decided = proposal.status === "pending" ? await agent.waitForDecision(proposal.action_id, { timeoutMs: Number(process.env.WAIT_MS ?? 15 * 60_000) }) : proposal;
if (decided.status !== "approved" && decided.status !== "allowed") {
  throw new Error(`not approved: ${decided.status}${decided.reject_reason ? ` — ${decided.reject_reason}` : ""}`);
}
// A reviewer may have edited the args: the token is bound to `decided.args` then.
const finalArgs = decided.args_edited ? decided.args : args;
const started = Date.now();
// The token is tool auth, never prompt text: the tool service verifies it and redeems it once.
const res = await fetch(`${toolUrl}/tools/ticket.close`, {
  method: "POST",
  headers: { "content-type": "application/json", authorization: `Bearer ${decided.token}` },
  body: JSON.stringify(finalArgs),
});
await agent.reportResult(proposal.action_id, { status: res.ok ? "ok" : "error", duration_ms: Date.now() - started, ...(res.ok ? {} : { error: `HTTP ${res.status}` }) });
console.log(`tool answered ${res.status} ${JSON.stringify(await res.json())}`);
if (!res.ok) process.exit(1);
