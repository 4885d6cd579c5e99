import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "../support/demo-db";
import { makeUser, setPolicy } from "../support/fixtures";
import { db } from "@/lib/db/client";
import { authenticateAgent, type AgentPrincipal } from "@/lib/agents/authenticate-agent";
import { startRun } from "@/lib/runs/start-run";
import { proposeAction } from "@/lib/actions/propose-action";
import { voteOnAction } from "@/lib/actions/vote-on-action";
import { cancelAction } from "@/lib/actions/cancel-action";
import { setKillSwitch } from "@/lib/kill-switches/set-kill-switch";
import { POST as voteRoute } from "@/app/api/console/actions/[id]/vote/route";
import { appError, demoAgent, params, sessionRequest } from "./helpers";

// Threat: a human (or something holding a human's browser) gets an action
// approved without the approval the rules demand. Each test tries one way
// around a rule and checks that no token exists afterwards.

let cleanup: () => Promise<void>;
let agent: AgentPrincipal;
let runId: string;
const u: Record<string, string> = {};
const ctx = { requestId: "req_sec_approval" };
let n = 0;

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  const demo = demoAgent("acme", "prod", "support/send");
  agent = await authenticateAgent(new Request("http://x", { headers: { authorization: `Bearer ${demo.key}` } }));
  runId = (await startRun(agent, "support/send", ctx)).run_id;
  u.alice = await makeUser("alice.sec@example.com", ["reviewer"]);
  u.bob = await makeUser("bob.sec@example.com", ["reviewer"]);
  u.viewer = await makeUser("viewer.sec@example.com", ["viewer"]);
  u.admin = await makeUser("admin.sec@example.com", ["admin"]);
  u.oncallOnly = await makeUser("oncall.sec@example.com", ["oncall"]);
  // A fresh sign-in, so the console's destructive step-up is not what stops a vote.
  await db().user.updateMany({ data: { lastSignInAt: new Date() } });
});
afterAll(() => cleanup());

async function propose(tool: string, args: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return (await proposeAction(agent, { run_id: runId, tool, args, idempotency_key: `sec-appr-${++n}`, ...extra }, ctx)).view;
}
const closeTicket = (extra: Record<string, unknown> = {}) => propose("ticket.close", { ticket_id: `T-${500 + n}` }, extra);
const deleteCustomer = (extra: Record<string, unknown> = {}) => propose("customer.delete", { customer_id: `C-${500 + n}` }, extra);

/** The action is not approved and no action token exists for it. */
async function expectNoToken(actionId: string) {
  const a = await db().action.findUniqueOrThrow({ where: { id: actionId } });
  expect(a.status).not.toBe("approved");
  expect(a.tokenJti).toBeNull();
  expect(await db().issuedToken.count({ where: { actionId } })).toBe(0);
}

const consoleVote = async (actionId: string, userId: string | null, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
  const req = await sessionRequest(userId, `http://localhost:3000/api/console/actions/${actionId}/vote`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-gatehouse-console": "1", origin: "http://localhost:3000", ...headers },
    body: JSON.stringify(body),
  });
  const res = await voteRoute(req, params({ id: actionId }));
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

describe("who may approve", () => {
  it("the on_behalf_of human cannot approve their own request, in any letter case, through the console", async () => {
    const a = await closeTicket({ on_behalf_of: "ALICE.SEC@EXAMPLE.COM" });
    const r = await consoleVote(a.action_id, u.alice!, { vote: "approve" });
    expect(r.status).toBe(403);
    expect(r.body.error.reason).toBe("own_request");
    await expectNoToken(a.action_id);
    expect(await db().auditEvent.count({ where: { actionId: a.action_id, type: "approval.refused", reason: "own_request" } })).toBe(1);
  });

  it.each([
    ["a viewer", "viewer"],
    ["an admin without the reviewer role", "admin"],
    ["an on-call user without the reviewer role", "oncallOnly"],
  ])("%s cannot vote, through the console or the library", async (_label, who) => {
    const a = await closeTicket();
    const r = await consoleVote(a.action_id, u[who]!, { vote: "approve" });
    expect(r.status).toBe(403);
    const err = await appError(voteOnAction({ actionId: a.action_id, userId: u[who]!, vote: "approve" }));
    expect(err.reason).toBe("not_a_reviewer");
    await expectNoToken(a.action_id);
  });

  it("a disabled reviewer cannot vote with a still-valid session cookie", async () => {
    const id = await makeUser("disabled.sec@example.com", ["reviewer"]);
    await db().user.update({ where: { id }, data: { disabled: true } });
    const a = await closeTicket();
    expect((await consoleVote(a.action_id, id, { vote: "approve" })).status).toBe(401);
    await expectNoToken(a.action_id);
  });
});

describe("one person counts once", () => {
  it("voting twice in a row on a destructive action is refused; it stays pending", async () => {
    const a = await deleteCustomer();
    expect((await consoleVote(a.action_id, u.alice!, { vote: "approve" })).status).toBe(200);
    const again = await consoleVote(a.action_id, u.alice!, { vote: "approve" });
    expect(again.status).toBe(409);
    expect(again.body.error.reason).toBe("already_voted");
    await expectNoToken(a.action_id);
  });

  it("two concurrent votes by one user (two sessions at once) count once", async () => {
    const a = await deleteCustomer();
    const votes = await Promise.allSettled([
      voteOnAction({ actionId: a.action_id, userId: u.bob!, vote: "approve" }),
      voteOnAction({ actionId: a.action_id, userId: u.bob!, vote: "approve" }),
      consoleVote(a.action_id, u.bob!, { vote: "approve" }),
      consoleVote(a.action_id, u.bob!, { vote: "approve" }),
    ]);
    expect(votes.length).toBe(4);
    expect(await db().approval.count({ where: { actionId: a.action_id, userId: u.bob! } })).toBe(1);
    await expectNoToken(a.action_id);
    const row = await db().action.findUniqueOrThrow({ where: { id: a.action_id } });
    expect(row.status).toBe("pending");
  });
});

describe("a vote cannot revive a finished or changed action", () => {
  it("approving after expiry is refused and the action is expired, never approved", async () => {
    const a = await closeTicket();
    await db().action.update({ where: { id: a.action_id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const err = await appError(voteOnAction({ actionId: a.action_id, userId: u.alice!, vote: "approve" }));
    expect(err.reason).toBe("expired");
    expect((await db().action.findUniqueOrThrow({ where: { id: a.action_id } })).status).toBe("expired");
    await expectNoToken(a.action_id);
  });

  it("approving after the policy changed to deny re-evaluates and denies", async () => {
    const a = await propose("email.send", { ticket_id: "T-42", to: "c@example.com", subject: "s", body: "b" });
    let before: Record<string, unknown> = {};
    await setPolicy("support/send", (p) => {
      before = p;
      return { ...p, deny_tools: [...(p.deny_tools as string[]), "email.send"], require_approval: (p.require_approval as string[]).filter((t) => t !== "email.send") };
    });
    const r = await voteOnAction({ actionId: a.action_id, userId: u.alice!, vote: "approve" }).catch((e: unknown) => e);
    expect((r as { status?: string }).status === "approved").toBe(false);
    expect((await db().action.findUniqueOrThrow({ where: { id: a.action_id } })).status).toBe("denied");
    await expectNoToken(a.action_id);
    await setPolicy("support/send", () => before);
  });

  it("approving after a kill switch was flipped denies", async () => {
    const a = await closeTicket();
    await setKillSwitch({ scope: "tool", tenantId: "acme", tool: "ticket.close", enabled: true, reason: "incident", actorId: u.admin! });
    await voteOnAction({ actionId: a.action_id, userId: u.alice!, vote: "approve" }).catch(() => null);
    expect((await db().action.findUniqueOrThrow({ where: { id: a.action_id } })).status).toBe("denied");
    await expectNoToken(a.action_id);
    await setKillSwitch({ scope: "tool", tenantId: "acme", tool: "ticket.close", enabled: false, reason: "over", actorId: u.admin! });
  });

  it("approving a cancelled action is refused", async () => {
    const a = await closeTicket();
    await cancelAction(agent, a.action_id, ctx);
    const err = await appError(voteOnAction({ actionId: a.action_id, userId: u.alice!, vote: "approve" }));
    expect(err.reason).toBe("already_decided");
    expect((await db().action.findUniqueOrThrow({ where: { id: a.action_id } })).status).toBe("cancelled");
    await expectNoToken(a.action_id);
  });

  it("approving after one rejection is refused: one rejection rejects", async () => {
    const a = await deleteCustomer();
    await voteOnAction({ actionId: a.action_id, userId: u.alice!, vote: "reject", rejectReason: "no" });
    const err = await appError(voteOnAction({ actionId: a.action_id, userId: u.bob!, vote: "approve" }));
    expect(err.reason).toBe("already_decided");
    await expectNoToken(a.action_id);
  });
});

describe("the console vote API is no side door", () => {
  it("without a session it is 401", async () => {
    const a = await closeTicket();
    const r = await consoleVote(a.action_id, null, { vote: "approve" });
    expect(r.status).toBe(401);
    await expectNoToken(a.action_id);
  });

  it.each([
    ["a cross-site Origin", { origin: "https://evil.example" }],
    ["a look-alike Origin", { origin: "http://localhost:3000.evil.example" }],
    ["the Origin null", { origin: "null" }],
    ["no X-Gatehouse-Console header", { "x-gatehouse-console": "0" }],
  ])("a reviewer's cookie with %s is 403", async (_l, headers) => {
    const a = await closeTicket();
    const r = await consoleVote(a.action_id, u.alice!, { vote: "approve" }, headers);
    expect(r.status).toBe(403);
    await expectNoToken(a.action_id);
    expect(await db().approval.count({ where: { actionId: a.action_id } })).toBe(0);
  });

  it("an agent key in the Authorization header is not a reviewer session", async () => {
    const a = await closeTicket();
    const req = new Request(`http://localhost:3000/api/console/actions/${a.action_id}/vote`, {
      method: "POST",
      headers: { authorization: `Bearer ${demoAgent("acme", "prod", "support/send").key}`, "content-type": "application/json", "x-gatehouse-console": "1" },
      body: JSON.stringify({ vote: "approve" }),
    });
    expect((await voteRoute(req, params({ id: a.action_id }))).status).toBe(401);
    await expectNoToken(a.action_id);
  });
});
