import "server-only";
import { authenticateAgent } from "@/lib/agents/authenticate-agent";
import { startRun } from "@/lib/runs/start-run";
import { proposeAction } from "@/lib/actions/propose-action";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";

/**
 * A few realistic pending actions for the demo queue (`npm start` only, never
 * the test databases), one per kind of card: an e-mail, a refund, a ticket
 * close and a destructive delete that needs two reviewers. Proposed through
 * the agent path (run, then create-action), so they are exactly what an agent
 * would produce. Idempotency keys are per quarter hour (the pending TTL), so a
 * restart does not duplicate them and a later start brings fresh ones.
 */
export const DEMO_PENDING = [
  {
    tool: "email.send",
    args: {
      ticket_id: "T-18421",
      to: "maria.lopez@example.com",
      subject: "Your refund for order O-55120",
      body: "Hi Maria,\n\nWe refunded $38.50 for the duplicate charge on order O-55120. It reaches your card in 3–5 business days.\n\nBest regards,\nAcme Support",
    },
    reason: "Customer asked for confirmation of the refund in T-18421.",
  },
  {
    tool: "refund.create",
    args: { customer_id: "C-20931", order_id: "O-55120", amount_usd: 38.5, reason: "Duplicate charge on 2026-11-29" },
    reason: "Card statement shows the order charged twice.",
  },
  { tool: "ticket.close", args: { ticket_id: "T-18399", resolution: "Password reset; customer confirmed they can sign in." }, reason: "Customer replied that it works." },
  { tool: "customer.delete", args: { customer_id: "C-11873" }, reason: "GDPR erasure request received in T-18377." },
] as const;

export async function seedDemoPending(now = Date.now()): Promise<number> {
  const agent = DEMO_AGENTS.find((a) => a.name === "acme-support")!;
  const principal = await authenticateAgent({ headers: new Headers({ Authorization: `Bearer ${agent.key}` }) });
  const slot = Math.floor(now / 900_000);
  const run = await startRun(principal, "support/send", { requestId: "demo-seed" });
  let pending = 0;
  for (const p of DEMO_PENDING) {
    const r = await proposeAction(
      principal,
      { run_id: run.run_id, tool: p.tool, args: { ...p.args }, reason: p.reason, idempotency_key: `demo-${p.tool}-${slot}` },
      { requestId: "demo-seed" },
    );
    if (r.view.status === "pending") pending++;
  }
  return pending;
}
