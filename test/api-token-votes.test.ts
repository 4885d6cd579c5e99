import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "./support/demo-db";
import { makeUser, setPolicy } from "./support/fixtures";
import { demoAgent, sessionRequest } from "./security/helpers";
import { db } from "@/lib/db/client";
import { authenticateAgent } from "@/lib/agents/authenticate-agent";
import { startRun } from "@/lib/runs/start-run";
import { proposeAction } from "@/lib/actions/propose-action";
import { createApiToken, revokeApiToken } from "@/lib/auth/api-tokens";
import { voteOnAction } from "@/lib/actions/vote-on-action";
import { GET as consoleDetail } from "@/app/api/console/actions/[id]/route";
import { GET as consoleQueue } from "@/app/api/console/actions/route";
import { GET as listRoute } from "@/app/api/cli/actions/route";
import { GET as detailRoute } from "@/app/api/cli/actions/[id]/route";
import { POST as voteRoute } from "@/app/api/cli/actions/[id]/vote/route";
import { POST as breakGlassApprove } from "@/app/api/console/break-glass/approve/route";
import { POST as consoleVote } from "@/app/api/console/actions/[id]/vote/route";
import { POST as createTokenRoute } from "@/app/api/console/api-tokens/route";

// Human API tokens for reviewers (issue 22 item 5): a vote on a single-approval
// write works and is audited as the token's; a destructive vote, a two-person
// action, break-glass, the console and creating tokens are refused; the
// token's tenant scopes are intersected with the owner's at every use; an
// expired or revoked token is 401.

let cleanup: () => Promise<void>;
let reviewer: string;
let token: string;
let tokenId: string;
const n = { i: 0 };
const ctx = { requestId: "tok-vote" };

async function propose(tenant: string, tool: string, args: Record<string, unknown>): Promise<string> {
  const a = demoAgent(tenant, "prod", "support/send");
  const p = await authenticateAgent(new Request("http://x", { headers: { authorization: `Bearer ${a.key}` } }));
  const run = await startRun(p, "support/send", ctx);
  return (await proposeAction(p, { run_id: run.run_id, tool, args, idempotency_key: `tok-${++n.i}` }, ctx)).view.action_id;
}

const bearer = (t: string, url: string, init: RequestInit = {}) =>
  new Request(`http://localhost:3000${url}`, { ...init, headers: { authorization: `Bearer ${t}`, "content-type": "application/json", ...(init.headers ?? {}) } });
const vote = (t: string, id: string, body: unknown = { vote: "approve" }) =>
  voteRoute(bearer(t, `/api/cli/actions/${id}/vote`, { method: "POST", body: JSON.stringify(body) }), { params: Promise.resolve({ id }) });

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  reviewer = await makeUser("tok.reviewer@example.com", ["reviewer"]);
  const t = await createApiToken({ name: "review bot", scopes: ["actions:read", "actions:vote"], tenant_scopes: ["acme/prod"] }, { actorId: reviewer });
  token = t.token;
  tokenId = t.id;
}, 60_000);
afterAll(() => cleanup());

describe("human API tokens for reviewers", () => {
  it("a vote on a single-approval write works, counts as the owner's and is audited as a token use", async () => {
    const id = await propose("acme", "ticket.close", { ticket_id: "T-5001" });
    const res = await vote(token, id);
    expect(res.status, await res.clone().text()).toBe(200);
    expect((await db().action.findUniqueOrThrow({ where: { id } })).status).toBe("approved");
    expect(await db().approval.count({ where: { actionId: id, userId: reviewer } })).toBe(1);
    expect(await db().auditEvent.count({ where: { type: "api_token.used", actorId: reviewer } })).toBeGreaterThanOrEqual(1);
  });

  it("a destructive vote is refused (approve or reject), and nothing is recorded", async () => {
    const id = await propose("acme", "customer.delete", { customer_id: "C-5002" });
    for (const body of [{ vote: "approve" }, { vote: "reject", reason: "no" }]) {
      const res = await vote(token, id, body);
      expect(res.status).toBe(403);
      expect((await res.json()).error.reason).toBe("token_not_allowed");
    }
    expect(await db().approval.count({ where: { actionId: id } })).toBe(0);
  });

  it("break-glass, the console's own vote and creating a token take a browser session: a token is 401 there", async () => {
    const id = await propose("acme", "ticket.close", { ticket_id: "T-5003" });
    const h = { "x-gatehouse-console": "1" };
    const bg = await breakGlassApprove(
      bearer(token, "/api/console/break-glass/approve", { method: "POST", headers: h, body: JSON.stringify({ session_id: "x", action_id: id }) }),
      {
        params: Promise.resolve({}),
      },
    );
    expect(bg.status).toBe(401);
    const cv = await consoleVote(bearer(token, `/api/console/actions/${id}/vote`, { method: "POST", headers: h, body: JSON.stringify({ vote: "approve" }) }), {
      params: Promise.resolve({ id }),
    });
    expect(cv.status).toBe(401);
    const mk = await createTokenRoute(bearer(token, "/api/console/api-tokens", { method: "POST", headers: h, body: JSON.stringify({ name: "x", scopes: ["actions:read"] }) }), {
      params: Promise.resolve({}),
    });
    expect(mk.status).toBe(401);
    expect(await db().approval.count({ where: { actionId: id } })).toBe(0);
  });

  it("outside the token's tenant scopes an action is the same 404 as a missing one; the list holds only acme/prod", async () => {
    const g = await propose("globex", "ticket.close", { ticket_id: "T-5004" });
    const foreign = await vote(token, g);
    const missing = await vote(token, "act_missing_000000000000000");
    expect(foreign.status).toBe(404);
    expect((await foreign.json()).error.message).toBe((await missing.json()).error.message);
    expect((await detailRoute(bearer(token, `/api/cli/actions/${g}`), { params: Promise.resolve({ id: g }) })).status).toBe(404);
    const list = await (await listRoute(bearer(token, "/api/cli/actions"), { params: Promise.resolve({}) })).json();
    expect(list.items.length).toBeGreaterThan(0);
    expect(list.items.every((i: { tenantId: string; env: string }) => i.tenantId === "acme" && i.env === "prod")).toBe(true);
  });

  it("the owner's scopes now bound the token: narrowed to globex, the acme token reaches nothing", async () => {
    const id = await propose("acme", "ticket.close", { ticket_id: "T-5005" });
    await db().user.update({ where: { id: reviewer }, data: { scopes: "globex/prod" } });
    try {
      expect((await vote(token, id)).status).toBe(404);
      const list = await (await listRoute(bearer(token, "/api/cli/actions"), { params: Promise.resolve({}) })).json();
      expect(list.items).toEqual([]);
    } finally {
      await db().user.update({ where: { id: reviewer }, data: { scopes: "*" } });
    }
  });

  it("the owner's role now bounds the token: without reviewer, its vote is refused and nothing is recorded; with it back, the token works again", async () => {
    const id = await propose("acme", "ticket.close", { ticket_id: "T-5007" });
    await db().user.update({ where: { id: reviewer }, data: { roles: "viewer" } });
    try {
      expect((await vote(token, id)).status).toBe(403);
      expect(await db().approval.count({ where: { actionId: id } })).toBe(0);
    } finally {
      await db().user.update({ where: { id: reviewer }, data: { roles: "reviewer" } });
    }
    expect((await vote(token, id)).status).toBe(200);
  });

  it("a token's tenant scopes cannot exceed its owner's; a token scope needs its role", async () => {
    const narrow = await makeUser("tok.narrow@example.com", ["reviewer"]);
    await db().user.update({ where: { id: narrow }, data: { scopes: "acme/prod" } });
    await expect(createApiToken({ name: "wide", scopes: ["actions:vote"], tenant_scopes: ["*"] }, { actorId: narrow })).rejects.toMatchObject({ code: "forbidden" });
    await expect(createApiToken({ name: "policy", scopes: ["policy:write"] }, { actorId: narrow })).rejects.toMatchObject({ code: "forbidden" });
    const ok = await createApiToken({ name: "mine", scopes: ["actions:read"] }, { actorId: narrow });
    expect(ok.tenantScopes).toBe("acme/prod");
  });

  it("an expired or revoked token is 401", async () => {
    const id = await propose("acme", "ticket.close", { ticket_id: "T-5006" });
    const t2 = await createApiToken({ name: "short", scopes: ["actions:vote"] }, { actorId: reviewer });
    await db().apiToken.update({ where: { id: t2.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await vote(t2.token, id)).status).toBe(401);
    await revokeApiToken(tokenId, { actorId: reviewer, isAdmin: false });
    expect((await vote(token, id)).status).toBe(401);
    expect(await db().approval.count({ where: { actionId: id } })).toBe(0);
    // A console session of the owner is unaffected (the control: the refusal was the token's).
    const res = await consoleVote(
      await sessionRequest(reviewer, `http://localhost:3000/api/console/actions/${id}/vote`, {
        method: "POST",
        headers: { "x-gatehouse-console": "1", "content-type": "application/json" },
        body: JSON.stringify({ vote: "approve" }),
      }),
      { params: Promise.resolve({ id }) },
    );
    expect(res.status, await res.clone().text()).toBe(200);
  });

  it("per-role scopes: a token votes only where the owner's reviewer role applies, not where their admin role does", async () => {
    const mixed = await makeUser("tok.mixed@example.com", ["reviewer", "admin"]);
    await db().user.update({ where: { id: mixed }, data: { scopes: "", roleScopes: "admin=globex/*;reviewer=acme/prod" } });
    // Created with every scope the owner has anywhere (acme/prod ∪ globex/*).
    const t = await createApiToken({ name: "mixed bot", scopes: ["actions:read", "actions:vote"] }, { actorId: mixed });
    const onGlobex = await propose("globex", "ticket.close", { ticket_id: "T-5090" });
    const refused = await vote(t.token, onGlobex);
    expect(refused.status).toBe(404);
    expect(await db().approval.count({ where: { actionId: onGlobex } })).toBe(0);
    const onAcme = await propose("acme", "ticket.close", { ticket_id: "T-5091" });
    const ok = await vote(t.token, onAcme);
    expect(ok.status, await ok.clone().text()).toBe(200);
  });
});

describe("a token or chat vote never counts once two people are needed", () => {
  const consoleApprove = async (userId: string, id: string) =>
    consoleVote(
      await sessionRequest(userId, `http://localhost:3000/api/console/actions/${id}/vote`, {
        method: "POST",
        headers: { "x-gatehouse-console": "1", "content-type": "application/json" },
        body: JSON.stringify({ vote: "approve" }),
      }),
      { params: Promise.resolve({ id }) },
    );
  const card = async (userId: string, id: string) =>
    (await consoleDetail(await sessionRequest(userId, `http://localhost:3000/api/console/actions/${id}`), { params: Promise.resolve({ id }) })).json();

  it("the route narrowed to two approvals after proposal: the token vote is void, one console vote does not approve, two do", async () => {
    const owner = await makeUser("tok.two.owner@example.com", ["reviewer"]);
    const r2 = await makeUser("tok.two.r2@example.com", ["reviewer"]);
    const r3 = await makeUser("tok.two.r3@example.com", ["reviewer"]);
    const t = await createApiToken({ name: "two bot", scopes: ["actions:vote"] }, { actorId: owner });
    const id = await propose("acme", "ticket.close", { ticket_id: "T-5100" });
    await setPolicy("support/send", (p: any) => ({ ...p, approval: { ...p.approval, write_approvals: 2 } }));
    try {
      const tv = await vote(t.token, id);
      expect(tv.status, await tv.clone().text()).toBe(200);
      expect(await tv.json()).toMatchObject({ status: "pending", approvalsReceived: 0, approvalsRequired: 2 });
      expect(await db().auditEvent.count({ where: { type: "approval.voided", actionId: id } })).toBe(1);

      const first = await consoleApprove(r2, id);
      expect(first.status, await first.clone().text()).toBe(200);
      expect(await first.json()).toMatchObject({ status: "pending", approvalsReceived: 1, approvalsRequired: 2 });
      expect((await db().action.findUniqueOrThrow({ where: { id } })).status).toBe("pending");
      // The card, the queue and the agent's poll count the same one vote.
      const c = await card(r3, id);
      expect(c.approvalsReceived).toBe(1);
      expect(c.votes.find((v: { userEmail: string }) => v.userEmail === "tok.two.owner@example.com").counts).toBe(false);
      const q = await (await consoleQueue(await sessionRequest(r3, "http://localhost:3000/api/console/actions"), { params: Promise.resolve({}) })).json();
      expect(q.items.find((i: { id: string }) => i.id === id)?.approvalsReceived).toBe(1);
      const agent = demoAgent("acme", "prod", "support/send");
      const { getAction } = await import("@/lib/api/v1/actions");
      const poll = await (
        await getAction(new Request(`http://localhost:3000/api/v1/actions/${id}`, { headers: { authorization: `Bearer ${agent.key}` } }), { params: Promise.resolve({ id }) })
      ).json();
      expect(poll.approvals).toEqual({ required: 2, received: 1 });

      const second = await consoleApprove(r3, id);
      expect(await second.json()).toMatchObject({ status: "approved", approvalsReceived: 2 });
      const approved = await db().auditEvent.findFirstOrThrow({ where: { type: "action.approved", actionId: id } });
      const tokenVote = await db().approval.findFirstOrThrow({ where: { actionId: id, userId: owner } });
      expect(approved.approvalIds).not.toContain(tokenVote.id);
      // The token's approvers (its audit event carries them) are the two console voters only.
      const minted = await db().auditEvent.findFirstOrThrow({ where: { type: "token.minted", actionId: id } });
      expect(minted.approvalIds).toContain(r2);
      expect(minted.approvalIds).not.toContain(owner);
    } finally {
      await setPolicy("support/send", (p: any) => ({ ...p, approval: { ...p.approval, write_approvals: 1 } }));
    }
  });

  it("the tool became destructive after proposal: a chat vote is void and one console vote does not approve", async () => {
    const owner = await makeUser("chat.two.owner@example.com", ["reviewer"]);
    const r2 = await makeUser("chat.two.r2@example.com", ["reviewer"]);
    const id = await propose("acme", "ticket.close", { ticket_id: "T-5101" });
    await db().tool.update({ where: { name: "ticket.close" }, data: { kind: "destructive" } });
    try {
      const chat = await voteOnAction({ actionId: id, userId: owner, vote: "approve", channel: "chat" });
      expect(chat).toMatchObject({ status: "pending", approvalsReceived: 0, approvalsRequired: 2 });
      const first = await consoleApprove(r2, id);
      expect(await first.json()).toMatchObject({ status: "pending", approvalsReceived: 1 });
      expect((await db().action.findUniqueOrThrow({ where: { id } })).status).toBe("pending");
      // The voided voter cannot vote again in the console either: one person, one vote row.
      const again = await consoleApprove(owner, id);
      expect(again.status).toBe(409);
    } finally {
      await db().tool.update({ where: { name: "ticket.close" }, data: { kind: "write" } });
    }
  });

  it("once the action needs two, the token vote itself is refused", async () => {
    const id = await propose("acme", "ticket.close", { ticket_id: "T-5102" });
    const r2 = await makeUser("tok.two.first@example.com", ["reviewer"]);
    const owner = await makeUser("tok.two.late@example.com", ["reviewer"]);
    const t = await createApiToken({ name: "late bot", scopes: ["actions:vote"] }, { actorId: owner });
    await setPolicy("support/send", (p: any) => ({ ...p, approval: { ...p.approval, write_approvals: 2 } }));
    try {
      expect(await (await consoleApprove(r2, id)).json()).toMatchObject({ status: "pending", approvalsRequired: 2 });
      const res = await vote(t.token, id);
      expect(res.status).toBe(403);
      expect((await res.json()).error.reason).toBe("token_not_allowed");
      expect(await db().approval.count({ where: { actionId: id, userId: owner } })).toBe(0);
    } finally {
      await setPolicy("support/send", (p: any) => ({ ...p, approval: { ...p.approval, write_approvals: 1 } }));
    }
  });
});
