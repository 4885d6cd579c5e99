/**
 * A demo agent: starts a run, proposes closing a ticket, waits for a human to
 * approve it in the console, then calls the ticket service with the action
 * token as tool auth (never in a prompt) and reports the result.
 *
 *   GATEHOUSE_URL=http://localhost:3000 AGENT_KEY=gh_… TOOL_URL=http://127.0.0.1:4100 GATEHOUSE_ROUTE=support/send npx tsx examples/demo-agent.ts
 */
import { GatehouseAgent } from "@gatehouse-dev/sdk";

export async function closeTicketWithApproval(opts: { gatehouseUrl: string; apiKey: string; toolUrl: string; ticketId: string; route?: string; log?: (s: string) => void }) {
  const log = opts.log ?? console.log;
  const agent = new GatehouseAgent({ baseUrl: opts.gatehouseUrl, apiKey: opts.apiKey });
  const run = await agent.startRun(opts.route ?? "support/send");
  log(`run ${run.run_id} on ${run.route}: read tools ${run.tools.join(", ")}`);
  const args = { ticket_id: opts.ticketId, resolution: "Reset auth token and verified login" };
  const proposal = await agent.propose({
    run_id: run.run_id,
    tool: "ticket.close",
    args,
    idempotency_key: `${run.run_id}:ticket.close:${opts.ticketId}`,
    reason: "Issue resolved: reset auth token and verified login",
  });
  if (proposal.status === "denied") throw new Error(`denied: ${proposal.reason_code} — ${proposal.message}`);
  log(`proposed ${proposal.action_id}: ${proposal.status}`);
  const decided = proposal.status === "pending" ? await agent.waitForDecision(proposal.action_id) : proposal;
  if (decided.status !== "approved" && decided.status !== "allowed") {
    throw new Error(`not approved: ${decided.status}${decided.reject_reason ? ` — ${decided.reject_reason}` : ""}`);
  }
  const started = Date.now();
  const res = await fetch(`${opts.toolUrl}/tools/ticket.close`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${decided.token}` },
    body: JSON.stringify(args),
  });
  const ok = res.ok;
  await agent.reportResult(proposal.action_id, { status: ok ? "ok" : "error", duration_ms: Date.now() - started, ...(ok ? {} : { error: `HTTP ${res.status}` }) });
  log(`tool answered ${res.status}`);
  return { actionId: proposal.action_id, status: res.status, body: await res.json() };
}

if (process.argv[1]?.endsWith("demo-agent.ts")) {
  const apiKey = process.env.AGENT_KEY;
  if (!apiKey) throw new Error("set AGENT_KEY to a demo agent key (printed at first start, listed in README)");
  await closeTicketWithApproval({
    gatehouseUrl: process.env.GATEHOUSE_URL ?? "http://localhost:3000",
    apiKey,
    toolUrl: process.env.TOOL_URL ?? "http://127.0.0.1:4100",
    route: process.env.GATEHOUSE_ROUTE ?? "support/send",
    ticketId: process.argv[2] ?? "T-18421",
  });
}
