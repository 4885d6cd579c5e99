import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { freshDb } from "./support/db";
import { hashPassword } from "@/lib/auth/password";
import { createCredential } from "@/lib/agents/create-credential";
import { startRun } from "@/lib/runs/start-run";
import { proposeAction } from "@/lib/actions/propose-action";
import type { AgentPrincipal } from "@/lib/agents/authenticate-agent";
import { DEMO_TOOLS } from "@/lib/seed/demo-tools";
import { castConsoleVote } from "@/lib/approvals/cast-console-vote";
import { extendActionTtl } from "@/lib/approvals/extend-ttl";
import { escalateDueActions } from "@/lib/approvals/escalate-due";
import { consoleVersion, listQueue } from "@/lib/approvals/list-queue";
import { listHistory, listHistoryPage } from "@/lib/approvals/list-history";
import { getActionDetail } from "@/lib/approvals/get-action-detail";
import { AppError } from "@/lib/errors";
import { appendAudit } from "@/lib/audit/append";
import { reportResult } from "@/lib/actions/report-result";

let cleanup: () => Promise<void>;
let agent: AgentPrincipal;
const users: Record<string, { id: string; email: string; roles: string[]; scopes: "all" }> = {};
const ROUTE = "support/send";

async function user(name: string, roles: string[], lastSignInAt: Date | null) {
  const email = `${name}@test.local`;
  const u = await db().user.create({ data: { email, name, roles: roles.join(","), passwordHash: await hashPassword(`${name}-pw`), lastSignInAt } });
  users[name] = { id: u.id, email, roles, scopes: "all" };
}

async function propose(tool: string, args: Record<string, unknown>, extra: { on_behalf_of?: string } = {}): Promise<string> {
  const run = await startRun(agent, ROUTE, { requestId: "t" });
  const r = await proposeAction(agent, { run_id: run.run_id, tool, args, idempotency_key: `k-${Math.random()}`, ...extra }, { requestId: "t" });
  expect(r.view.status).toBe("pending");
  return r.view.action_id;
}

async function refusal(p: Promise<unknown>): Promise<{ status: number; reason?: string }> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return { status: (err as AppError).status, reason: (err as AppError).reason };
}

beforeAll(async () => {
  ({ cleanup } = await freshDb());
  await db().tenant.create({ data: { id: "acme", name: "Acme" } });
  for (const t of DEMO_TOOLS) {
    await db().tool.create({
      data: {
        name: t.name,
        kind: t.kind,
        description: t.description,
        argsSchema: JSON.stringify(t.argsSchema),
        summaryTemplate: t.summaryTemplate,
        blastRadius: JSON.stringify(t.blastRadius),
        undo: JSON.stringify(t.undo),
      },
    });
  }
  const policy = {
    allow_tools: ["kb.search"],
    deny_tools: [],
    require_approval: ["ticket.close", "customer.delete"],
    auto_approve: [],
    budgets: { steps: 100, seconds: 3600, usd: 5 },
    audit: { enabled: true },
    approval: { write_approvals: 1, pending_ttl_seconds: 900, escalate_after_seconds: 60, reads_require_approval: false },
  };
  const r = await db().route.create({ data: { name: ROUTE, activeVersion: 1 } });
  await db().policyVersion.create({ data: { routeId: r.id, version: 1, policy: JSON.stringify(policy), status: "active", reason: "test" } });
  const cred = await createCredential({ name: "bot", tenantId: "acme", env: "prod", routes: [ROUTE] });
  agent = { credentialId: cred.id, name: "bot", tenantId: "acme", env: "prod", routes: [ROUTE], callbackAllowlist: [] };
  await user("fresh", ["reviewer"], new Date());
  await user("stale", ["reviewer"], new Date(Date.now() - 11 * 60 * 1000));
  await user("fresh2", ["reviewer"], new Date());
  await user("viewer", ["viewer"], new Date());
});
afterAll(() => cleanup?.());

describe("step-up for destructive approvals", () => {
  it("a reviewer whose sign-in is over 10 minutes old must re-enter the password; a wrong one is refused", async () => {
    const id = await propose("customer.delete", { customer_id: "C-1" });
    expect(await refusal(castConsoleVote({ actionId: id, userId: users.stale!.id, vote: "approve" }))).toEqual({ status: 403, reason: "step_up_required" });
    expect(await refusal(castConsoleVote({ actionId: id, userId: users.stale!.id, vote: "approve", password: "nope" }))).toEqual({
      status: 403,
      reason: "step_up_required",
    });
    expect(await db().approval.count({ where: { actionId: id } })).toBe(0);
    const ok = await castConsoleVote({ actionId: id, userId: users.stale!.id, vote: "approve", password: "stale-pw", timeOnCardMs: 1200 });
    expect(ok).toMatchObject({ status: "pending", approvalsReceived: 1, approvalsRequired: 2 });
    const after = await db().user.findUniqueOrThrow({ where: { id: users.stale!.id } });
    expect(Date.now() - after.lastSignInAt!.getTime()).toBeLessThan(5_000);
  });

  it("a fresh sign-in needs no password; rejections and non-destructive approvals never ask", async () => {
    const id = await propose("customer.delete", { customer_id: "C-2" });
    await db().user.update({ where: { id: users.fresh2!.id }, data: { lastSignInAt: new Date(0) } });
    const rejected = await castConsoleVote({ actionId: id, userId: users.fresh2!.id, vote: "reject", rejectReason: "wrong customer" });
    expect(rejected.status).toBe("rejected");
    const w = await propose("ticket.close", { ticket_id: "T-1" });
    expect((await castConsoleVote({ actionId: w, userId: users.fresh2!.id, vote: "approve" })).status).toBe("approved");
    const d = await propose("customer.delete", { customer_id: "C-3" });
    expect((await castConsoleVote({ actionId: d, userId: users.fresh!.id, vote: "approve" })).approvalsReceived).toBe(1);
  });
});

describe("TTL extension", () => {
  it("extends a pending action once, audited; a second extension and non-reviewers are refused", async () => {
    const id = await propose("ticket.close", { ticket_id: "T-2" });
    const before = await db().action.findUniqueOrThrow({ where: { id } });
    expect(await refusal(extendActionTtl(id, users.viewer!.id))).toEqual({ status: 403, reason: "not_a_reviewer" });
    const { expiresAt } = await extendActionTtl(id, users.fresh!.id);
    expect(new Date(expiresAt).getTime() - before.expiresAt!.getTime()).toBe(900_000);
    expect(await refusal(extendActionTtl(id, users.fresh2!.id))).toEqual({ status: 409, reason: "already_extended" });
    expect(await db().auditEvent.count({ where: { actionId: id, type: "action.ttl_extended" } })).toBe(1);
  });

  it("the on_behalf_of human cannot extend their own request", async () => {
    const id = await propose("ticket.close", { ticket_id: "T-3" }, { on_behalf_of: users.fresh!.email });
    expect(await refusal(extendActionTtl(id, users.fresh!.id))).toEqual({ status: 403, reason: "own_request" });
  });
});

describe("escalation", () => {
  it("re-notifies once (webhook + audit) after escalate_after_seconds, never before", async () => {
    await db().webhookEndpoint.create({ data: { url: "https://hooks.example/x", events: JSON.stringify(["action.escalated"]), secretSealed: "x" } });
    const id = await propose("ticket.close", { ticket_id: "T-4" });
    const created = (await db().action.findUniqueOrThrow({ where: { id } })).createdAt.getTime();
    await escalateDueActions(new Date(created + 59_000));
    expect((await db().action.findUniqueOrThrow({ where: { id } })).escalatedAt).toBeNull();
    const later = new Date(created + 61_000);
    expect(await escalateDueActions(later)).toBeGreaterThanOrEqual(1);
    await escalateDueActions(new Date(created + 120_000));
    expect((await db().action.findUniqueOrThrow({ where: { id } })).escalatedAt).not.toBeNull();
    expect(await db().auditEvent.count({ where: { actionId: id, type: "action.escalated" } })).toBe(1);
    const deliveries = await db().webhookDelivery.findMany({ where: { event: "action.escalated" } });
    expect(deliveries.filter((d) => (JSON.parse(d.payload) as { data: { action_id: string } }).data.action_id === id)).toHaveLength(1);
  });
});

describe("queue, history and detail", () => {
  it("the queue is oldest first, filterable, and marks what the viewer cannot approve", async () => {
    const a = await propose("ticket.close", { ticket_id: "T-5" }, { on_behalf_of: users.fresh!.email });
    const { items } = await listQueue({}, users.fresh!);
    const times = items.map((i) => i.createdAt);
    expect([...times].sort()).toEqual(times);
    expect(items.find((i) => i.id === a)?.onBehalfOfMe).toBe(true);
    expect((await listQueue({ kind: "destructive" }, users.fresh!)).items.every((i) => i.toolKind === "destructive")).toBe(true);
    expect(await listQueue({ tenant: "globex" }, users.fresh!)).toEqual({ items: [], total: 0, offset: 0, next: null, prev: null });
    const detail = await getActionDetail(a, { ...users.fresh!, roles: ["reviewer"], scopes: "all" as const });
    expect(detail?.viewer.canVote).toBe(false);
    expect(detail?.undo).toMatchObject({ reversible: true });
  });

  it("history marks a decision taken in under 3 seconds of server-measured time on card, and the timeline comes from the audit log", async () => {
    const id = await propose("ticket.close", { ticket_id: "T-6" });
    // Time on card is measured by the server from the card's first serve to this reviewer (the browser's number is not trusted).
    const slow = await propose("ticket.close", { ticket_id: "T-61" });
    await castConsoleVote({ actionId: slow, userId: users.fresh!.id, vote: "approve", timeOnCardMs: 800 });
    await getActionDetail(id, { ...users.fresh!, roles: ["reviewer"], scopes: "all" as const });
    await castConsoleVote({ actionId: id, userId: users.fresh!.id, vote: "approve", timeOnCardMs: 60_000 });
    const rows = await listHistory({ fast: "1" }, { scopes: "all" });
    expect(rows.find((r) => r.id === id)?.fast).toBe(true);
    expect(rows.every((r) => r.fast)).toBe(true);
    // A vote on a card never served has no server-measured time: the browser's 800 ms does not make it fast.
    expect(rows.some((r) => r.id === slow)).toBe(false);
    const detail = await getActionDetail(id, { ...users.fresh!, roles: ["reviewer"], scopes: "all" as const });
    expect(detail?.timeline.map((t) => t.type)).toEqual(expect.arrayContaining(["action.decided", "approval.recorded", "action.approved", "token.minted"]));
  });
});

describe("a long timeline", () => {
  it("keeps how the action began and how it ended, and says how many events between them it leaves to the audit log", async () => {
    const id = await propose("ticket.close", { ticket_id: "T-91" });
    // 700 refused votes (a reviewer script gone wrong), then the approval.
    const refused = Array.from({ length: 700 }, (_, i) => ({
      type: "approval.refused",
      actorType: "user" as const,
      actorId: users.fresh!.id,
      actionId: id,
      tenantId: "acme",
      env: "prod",
      status: "refused",
      reason: `not_a_reviewer-${i}`,
    }));
    await appendAudit(db(), ...refused);
    await castConsoleVote({ actionId: id, userId: users.fresh!.id, vote: "approve" });
    const all = await db().auditEvent.findMany({ where: { actionId: id }, orderBy: { seq: "asc" } });
    expect(all.length).toBeGreaterThan(700);
    const d = (await getActionDetail(id, { ...users.fresh!, roles: ["reviewer"], scopes: "all" as const }))!;
    expect(d.timeline).toHaveLength(500);
    expect(d.timeline[0]!.type).toBe("action.decided");
    expect(d.timeline.map((t) => t.seq)).toEqual([...all.slice(0, 250), ...all.slice(-250)].map((e) => Number(e.seq)));
    expect(d.timeline.map((t) => t.type)).toContain("action.approved");
    expect(d.timelineOmitted).toEqual({ afterSeq: Number(all[249]!.seq), count: all.length - 500 });
    // A short one leaves nothing out.
    const short = await propose("ticket.close", { ticket_id: "T-92" });
    expect((await getActionDetail(short, { ...users.fresh!, roles: ["reviewer"], scopes: "all" as const }))!.timelineOmitted).toBeNull();
  });
});

describe("the history's fast filter", () => {
  it("finds a fast decision however many votes came after it, and only votes on a card served before them count", async () => {
    const fast = await propose("ticket.close", { ticket_id: "T-81" });
    await getActionDetail(fast, { ...users.fresh!, roles: ["reviewer"], scopes: "all" as const });
    await castConsoleVote({ actionId: fast, userId: users.fresh!.id, vote: "approve" });
    expect((await db().action.findUniqueOrThrow({ where: { id: fast } })).fastVote).toBe(true);
    // 5,001 newer votes (the filter once looked only at the newest 5,000).
    const later = new Date(Date.now() + 60_000);
    await db().approval.createMany({
      data: Array.from({ length: 5_001 }, (_, i) => ({ actionId: `act_other_${i}`, userId: users.fresh!.id, vote: "approve", createdAt: later })),
    });
    // Voted first (as from chat, no card served), the card opened afterwards: no time on card, not fast.
    const chat = await propose("ticket.close", { ticket_id: "T-82" });
    await castConsoleVote({ actionId: chat, userId: users.fresh!.id, vote: "approve" });
    await getActionDetail(chat, { ...users.fresh!, roles: ["reviewer"], scopes: "all" as const });
    const rows = await listHistory({ fast: "1", tool: "ticket.close" }, { scopes: "all" }, 1000);
    expect(rows.map((r) => r.id)).toContain(fast);
    expect(rows.map((r) => r.id)).not.toContain(chat);
    const all = await listHistory({ tool: "ticket.close" }, { scopes: "all" }, 1000);
    const chatRow = all.find((r) => r.id === chat)!;
    expect(chatRow.fast).toBe(false);
    expect(chatRow.deciders[0]!.timeOnCardMs).toBeNull();
    // The flag does not move the action: the history's order is the decision's.
    expect(all.find((r) => r.id === fast)?.fast).toBe(true);
  });
});

describe("the history pages", () => {
  it("newest first by keyset: every decided action exactly once, the last page says nothing is older, a bad cursor is a 422", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const id = await propose("ticket.close", { ticket_id: `T-77${i}` });
      await castConsoleVote({ actionId: id, userId: users.fresh!.id, vote: "reject", rejectReason: "not now" });
      ids.push(id);
    }
    const filters = { tool: "ticket.close" } as const;
    const all = (await listHistory(filters, { scopes: "all" }, 1000)).map((r) => r.id);
    expect(all.length).toBeGreaterThanOrEqual(8);
    const seen: string[] = [];
    let page = await listHistoryPage(filters, { scopes: "all" }, { limit: 3 });
    for (let pages = 1; ; pages++) {
      expect(pages).toBeLessThanOrEqual(Math.ceil(all.length / 3));
      expect(page.items.length).toBe(Math.min(3, all.length - seen.length));
      seen.push(...page.items.map((r) => r.id));
      if (!page.older) break;
      page = await listHistoryPage(filters, { scopes: "all" }, { older: page.older, limit: 3 });
    }
    expect(seen).toEqual(all);
    expect(ids.every((id) => seen.includes(id))).toBe(true);
    const bad = await refusal(listHistoryPage(filters, { scopes: "all" }, { older: "bm90LWEta2V5" }));
    expect(bad.status).toBe(422);
  });
  it("an action keeps its place after its decision: a result reported later does not move it or make a page repeat it", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const id = await propose("ticket.close", { ticket_id: `T-88${i}` });
      await castConsoleVote({ actionId: id, userId: users.fresh!.id, vote: "approve" });
      ids.push(id);
      await new Promise((r) => setTimeout(r, 5));
    }
    const filters = { tool: "ticket.close", status: "approved" } as const;
    const first = await listHistoryPage(filters, { scopes: "all" }, { limit: 2 });
    expect(first.items.map((r) => r.id).slice(0, 2)).toEqual([ids[3], ids[2]]);
    // The oldest of the four runs after its approval: its row changes (result, updatedAt), its decision does not.
    await reportResult(agent, ids[0]!, { status: "ok", duration_ms: 7 }, { requestId: "t" });
    const fresh = await listHistoryPage(filters, { scopes: "all" }, { limit: 2 });
    expect(fresh.items.map((r) => r.id)).toEqual([ids[3], ids[2]]);
    const seen = [...first.items.map((r) => r.id)];
    for (let page = await listHistoryPage(filters, { scopes: "all" }, { older: first.older!, limit: 2 }); ;) {
      seen.push(...page.items.map((r) => r.id));
      if (!page.older) break;
      page = await listHistoryPage(filters, { scopes: "all" }, { older: page.older, limit: 2 });
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => ids.includes(id))).toEqual([...ids].reverse());
  });
});

describe("the queue holds up: keyset pages, true total, filters, state as it is now", () => {
  it("pages through 120 pending actions oldest first, every one exactly once, with the true total; the last page reaches the newest", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 120; i++) ids.push(await propose("ticket.close", { ticket_id: `T-${9000 + i}`, resolution: "done" }));
    const all = { tool: "ticket.close" } as const;
    const seen: string[] = [];
    let page = await listQueue(all, users.fresh!, { limit: 50 });
    const total = page.total;
    expect(total).toBeGreaterThanOrEqual(120);
    expect(page.offset).toBe(0);
    expect(page.prev).toBeNull();
    for (;;) {
      expect(page.total).toBe(total);
      seen.push(...page.items.map((i) => i.id));
      if (!page.next) break;
      const next = await listQueue(all, users.fresh!, { after: page.next, limit: 50 });
      expect(next.offset).toBe(seen.length);
      page = next;
    }
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    // The newest 120 are these, oldest first (two proposed in one millisecond are in id order, the keyset's tie-break).
    expect([...seen.slice(-120)].sort()).toEqual([...ids].sort());
    const at = new Map((await db().action.findMany({ where: { id: { in: ids } }, select: { id: true, createdAt: true } })).map((a) => [a.id, a.createdAt.getTime()]));
    const times = seen.slice(-120).map((id) => at.get(id)!);
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(seen.slice(-120).filter((id, i) => i > 0 && at.get(id) !== at.get(seen.slice(-120)[i - 1]!)).length).toBeGreaterThan(0);
    const last = await listQueue(all, users.fresh!, { last: true, limit: 50 });
    expect(last.items.at(-1)?.id).toBe(ids.at(-1));
    expect(last.next).toBeNull();
    expect(last.offset).toBe(total - last.items.length);
    const back = await listQueue(all, users.fresh!, { before: last.prev!, limit: 50 });
    expect(back.items.at(-1)!.createdAt <= last.items[0]!.createdAt).toBe(true);
    expect(back.offset).toBe(Math.max(0, last.offset - 50));
  });

  it("a malformed cursor is a 422, not a 500", async () => {
    expect(await refusal(listQueue({}, users.fresh!, { after: "bm90LWEtY3Vyc29y", limit: 10 }))).toMatchObject({ status: 422 });
  });

  it("search finds an action by its summary or id; 'needs my vote' drops what the viewer voted on or may not approve", async () => {
    const a = await propose("ticket.close", { ticket_id: "T-777001" });
    const b = await propose("ticket.close", { ticket_id: "T-777002" }, { on_behalf_of: users.fresh2!.email });
    expect((await listQueue({ q: "T-777001" }, users.fresh2!)).items.map((i) => i.id)).toEqual([a]);
    // Case does not matter, on either provider (a reviewer types what they remember, not its case).
    expect((await listQueue({ q: "t-777001" }, users.fresh2!)).items.map((i) => i.id)).toEqual([a]);
    expect((await listQueue({ q: "TICKET.CLOSE", tool: "ticket.close" }, users.fresh2!)).total).toBeGreaterThan(0);
    expect((await listQueue({ q: a }, users.fresh2!)).items.map((i) => i.id)).toEqual([a]);
    const mine = async () => (await listQueue({ q: "T-77700", mine: "1" }, users.fresh2!)).items.map((i) => i.id);
    expect(await mine()).toEqual([a]);
    expect((await listQueue({ q: "T-77700" }, users.fresh2!)).items.map((i) => i.id)).toEqual([a, b]);
    const c = await propose("customer.delete", { customer_id: "C-777003" });
    await castConsoleVote({ actionId: c, userId: users.fresh!.id, vote: "approve" });
    // c still pends (1 of 2) but fresh voted: it left fresh's "needs me" list, not fresh2's.
    expect((await listQueue({ q: "C-777003", mine: "1" }, users.fresh!)).items).toEqual([]);
    expect((await listQueue({ q: "C-777003", mine: "1" }, users.fresh2!)).items.map((i) => i.id)).toEqual([c]);
    expect((await listQueue({ q: "T-77700", age: "1d" }, users.fresh2!)).total).toBe(0);
  });

  it("the headline keeps the template's words apart from the agent's values", async () => {
    const id = await propose("ticket.close", { ticket_id: "T-555" });
    const item = (await listQueue({ q: id }, users.fresh!)).items[0]!;
    expect(item.headline).toEqual([
      { text: "Close ticket ", agent: false },
      { text: "T-555", agent: true },
    ]);
  });

  it("a kill switch, an open breaker and a policy change show on the queue item and the card; a blocked card cannot be approved but can be rejected", async () => {
    const id = await propose("ticket.close", { ticket_id: "T-4242" });
    const v0 = await consoleVersion({ scopes: "all" });
    const viewer = { ...users.fresh!, roles: ["reviewer"], scopes: "all" as const };
    expect((await getActionDetail(id, viewer))?.state).toEqual([]);

    await db().killSwitch.create({ data: { key: "tool:*:ticket.close", scope: "tool", tool: "ticket.close", enabled: true, reason: "incident 7" } });
    const item = (await listQueue({ q: id }, users.fresh!)).items[0]!;
    expect(item.state).toEqual([expect.objectContaining({ code: "kill_switch", blocks: true })]);
    const blocked = (await getActionDetail(id, viewer))!;
    expect(blocked.viewer).toMatchObject({ canVote: false, canReject: true });
    expect(blocked.viewer.whyNot).toContain("Kill switch on");
    expect(blocked.viewer.whyNot).toContain("incident 7");
    await db().killSwitch.delete({ where: { key: "tool:*:ticket.close" } });

    const route = await db().route.findUniqueOrThrow({ where: { name: ROUTE } });
    await db().routeBreaker.create({ data: { routeId: route.id, tenantId: "acme", env: "prod", state: "open", count: 20, openedAt: new Date() } });
    expect((await getActionDetail(id, viewer))!.state).toEqual([expect.objectContaining({ code: "circuit_open", blocks: true })]);
    // Another tenant's breaker does not block this one.
    await db().routeBreaker.update({ where: { routeId_tenantId_env: { routeId: route.id, tenantId: "acme", env: "prod" } }, data: { tenantId: "globex" } });
    expect((await getActionDetail(id, viewer))!.state).toEqual([]);
    await db().routeBreaker.deleteMany({ where: { routeId: route.id } });

    // A new policy version that denies the tool: changed (information) and denied (blocks).
    const active = await db().policyVersion.findFirstOrThrow({ where: { routeId: route.id, status: "active" } });
    const p = JSON.parse(active.policy) as { require_approval: string[] };
    await db().policyVersion.update({ where: { id: active.id }, data: { status: "superseded" } });
    const narrower = { ...p, require_approval: p.require_approval.filter((t) => t !== "ticket.close") };
    await db().policyVersion.create({ data: { routeId: route.id, version: 2, policy: JSON.stringify(narrower), status: "active", reason: "t" } });
    await db().route.update({ where: { id: route.id }, data: { activeVersion: 2 } });
    try {
      const changed = (await getActionDetail(id, viewer))!;
      expect(changed.state.map((n) => [n.code, n.blocks])).toEqual([
        ["policy_changed", false],
        ["policy_denies", true],
      ]);
      expect(changed.viewer.canVote).toBe(false);
      // The server agrees: the approval ends in "denied", and says why.
      const vote = await castConsoleVote({ actionId: id, userId: users.fresh!.id, vote: "approve" });
      expect(vote).toMatchObject({ status: "denied", reason: "not_allowed" });
      expect(await consoleVersion({ scopes: "all" })).toBeGreaterThan(v0);
    } finally {
      // Put the route back for any later test.
      await db().policyVersion.deleteMany({ where: { routeId: route.id, version: 2 } });
      await db().policyVersion.update({ where: { id: active.id }, data: { status: "active" } });
      await db().route.update({ where: { id: route.id }, data: { activeVersion: 1 } });
    }
  });

  it("the second approver sees the first and that their vote executes; a destructive card names the id to type", async () => {
    const id = await propose("customer.delete", { customer_id: "C-31337" });
    await castConsoleVote({ actionId: id, userId: users.fresh!.id, vote: "approve" });
    const second = (await getActionDetail(id, { ...users.fresh2!, roles: ["reviewer"], scopes: "all" as const }))!;
    expect(second.viewer).toMatchObject({ canVote: true, executes: true, confirmTarget: "C-31337" });
    expect(second.votes.map((v) => v.userName)).toEqual(["fresh"]);
    const first = (await getActionDetail(id, { ...users.fresh!, roles: ["reviewer"], scopes: "all" as const }))!;
    expect(first.viewer).toMatchObject({ canVote: false, executes: false });
  });
});
