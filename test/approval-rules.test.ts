import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "./support/demo-db";
import { makeUser, setPolicy } from "./support/fixtures";
import { db } from "@/lib/db/client";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { authenticateAgent, type AgentPrincipal } from "@/lib/agents/authenticate-agent";
import { startRun } from "@/lib/runs/start-run";
import { proposeAction } from "@/lib/actions/propose-action";
import { getAction } from "@/lib/actions/get-action";
import { voteOnAction } from "@/lib/actions/vote-on-action";
import { cancelAction } from "@/lib/actions/cancel-action";
import { expireDueActions } from "@/lib/actions/expire-actions";
import { AppError } from "@/lib/errors";

let cleanup: () => Promise<void>;
let agent: AgentPrincipal;
let runId: string;
const users: Record<string, string> = {};
const ctx = { requestId: "req_test_approval" };
let n = 0;

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  const demo = DEMO_AGENTS.find((a) => a.tenant === "acme" && a.env === "prod" && a.routes.includes("support/send"))!;
  agent = await authenticateAgent(new Request("http://x", { headers: { authorization: `Bearer ${demo.key}` } }));
  runId = (await startRun(agent, "support/send", ctx)).run_id;
  users.alice = await makeUser("alice@example.com", ["reviewer"]);
  users.bob = await makeUser("bob@example.com", ["reviewer"]);
  users.viewer = await makeUser("vera@example.com", ["viewer"]);
  users.admin = await makeUser("adam@example.com", ["admin"]);
  users.oncall = await makeUser("otto@example.com", ["oncall"]);
});
afterAll(() => cleanup());

async function propose(tool: string, args: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const r = await proposeAction(agent, { run_id: runId, tool, args, idempotency_key: `k-${++n}`, ...extra }, ctx);
  return r.view;
}
const closeTicket = () => propose("ticket.close", { ticket_id: `T-${1000 + n}` });
const deleteCustomer = (extra: Record<string, unknown> = {}) => propose("customer.delete", { customer_id: `C-${1000 + n}` }, extra);

async function refusal(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe("approval rules", () => {
  it("a write needs one approval and then carries a token", async () => {
    const a = await closeTicket();
    expect(a.status).toBe("pending");
    expect(a.approvals.required).toBe(1);
    const r = await voteOnAction({ actionId: a.action_id, userId: users.alice!, vote: "approve" });
    expect(r).toMatchObject({ status: "approved", transitioned: true });
    const v = await getAction(agent, a.action_id);
    expect(v.status).toBe("approved");
    expect(v.token).toBeTruthy();
  });

  it("destructive tools need two distinct humans; the same person twice is refused", async () => {
    const a = await deleteCustomer();
    expect(a.approvals.required).toBe(2);
    const first = await voteOnAction({ actionId: a.action_id, userId: users.alice!, vote: "approve" });
    expect(first).toMatchObject({ status: "pending", approvalsReceived: 1 });
    const again = await refusal(voteOnAction({ actionId: a.action_id, userId: users.alice!, vote: "approve" }));
    expect(again.reason).toBe("already_voted");
    expect(again.message).toMatch(/someone else/);
    expect((await getAction(agent, a.action_id)).status).toBe("pending");
    const second = await voteOnAction({ actionId: a.action_id, userId: users.bob!, vote: "approve" });
    expect(second).toMatchObject({ status: "approved", approvalsReceived: 2 });
  });

  it("the on_behalf_of human cannot approve", async () => {
    const a = await deleteCustomer({ on_behalf_of: "Alice@Example.com" });
    const err = await refusal(voteOnAction({ actionId: a.action_id, userId: users.alice!, vote: "approve" }));
    expect(err.status).toBe(403);
    expect(err.reason).toBe("own_request");
    const audit = await db().auditEvent.findFirst({ where: { actionId: a.action_id, type: "approval.refused" } });
    expect(audit?.reason).toBe("own_request");
  });

  it("viewers, admins without the reviewer role and on-call without break-glass cannot vote", async () => {
    const a = await closeTicket();
    for (const who of ["viewer", "admin", "oncall"]) {
      const err = await refusal(voteOnAction({ actionId: a.action_id, userId: users[who]!, vote: "approve" }));
      expect(err.reason).toBe("not_a_reviewer");
    }
    expect((await getAction(agent, a.action_id)).status).toBe("pending");
  });

  it("one rejection rejects, and its reason goes back to the agent", async () => {
    const a = await deleteCustomer();
    await voteOnAction({ actionId: a.action_id, userId: users.alice!, vote: "approve" });
    await expect(voteOnAction({ actionId: a.action_id, userId: users.bob!, vote: "reject" })).rejects.toThrow(/reason/);
    await voteOnAction({ actionId: a.action_id, userId: users.bob!, vote: "reject", rejectReason: "Wrong customer — check the ticket" });
    const v = await getAction(agent, a.action_id);
    expect(v.status).toBe("rejected");
    expect(v.reject_reason).toBe("Wrong customer — check the ticket");
    expect(v.token).toBeUndefined();
  });

  it("expired is final: an expired action cannot be approved", async () => {
    const a = await closeTicket();
    await db().action.update({ where: { id: a.action_id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const err = await refusal(voteOnAction({ actionId: a.action_id, userId: users.alice!, vote: "approve" }));
    expect(err.reason).toBe("expired");
    expect((await getAction(agent, a.action_id)).status).toBe("expired");
    const b = await closeTicket();
    await db().action.update({ where: { id: b.action_id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await expireDueActions()).toBeGreaterThanOrEqual(1);
    expect((await getAction(agent, b.action_id)).status).toBe("expired");
  });

  it("a cancelled action cannot be approved", async () => {
    const a = await closeTicket();
    await cancelAction(agent, a.action_id, ctx);
    const err = await refusal(voteOnAction({ actionId: a.action_id, userId: users.alice!, vote: "approve" }));
    expect(err.reason).toBe("already_decided");
  });

  it("a kill switch turned on after the proposal denies at approval time", async () => {
    const a = await closeTicket();
    await db().killSwitch.create({ data: { key: "tool:*:ticket.close", scope: "tool", tool: "ticket.close", enabled: true, reason: "test" } });
    const r = await voteOnAction({ actionId: a.action_id, userId: users.alice!, vote: "approve" });
    expect(r.status).toBe("denied");
    const v = await getAction(agent, a.action_id);
    expect(v).toMatchObject({ status: "denied", reason_code: "kill_switch" });
    expect(v.token).toBeUndefined();
    await db().killSwitch.delete({ where: { key: "tool:*:ticket.close" } });
  });

  it("a policy changed to deny in between re-evaluates the action to denied", async () => {
    const a = await closeTicket();
    await setPolicy("support/send", (p) => ({
      ...p,
      require_approval: (p.require_approval as string[]).filter((t) => t !== "ticket.close"),
      deny_tools: [...(p.deny_tools as string[]), "ticket.close"],
    }));
    const r = await voteOnAction({ actionId: a.action_id, userId: users.alice!, vote: "approve" });
    expect(r.status).toBe("denied");
    expect((await getAction(agent, a.action_id)).reason_code).toBe("tool_denied");
    const tokens = await db().issuedToken.count({ where: { actionId: a.action_id } });
    expect(tokens).toBe(0);
  });
});
