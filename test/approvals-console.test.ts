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
import { listQueue } from "@/lib/approvals/list-queue";
import { listHistory } from "@/lib/approvals/list-history";
import { getActionDetail } from "@/lib/approvals/get-action-detail";
import { AppError } from "@/lib/errors";

let cleanup: () => Promise<void>;
let agent: AgentPrincipal;
const users: Record<string, { id: string; email: string; roles: string[] }> = {};
const ROUTE = "support/send";

async function user(name: string, roles: string[], lastSignInAt: Date | null) {
  const email = `${name}@test.local`;
  const u = await db().user.create({ data: { email, name, roles: roles.join(","), passwordHash: await hashPassword(`${name}-pw`), lastSignInAt } });
  users[name] = { id: u.id, email, roles };
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
    const items = await listQueue({}, users.fresh!);
    const times = items.map((i) => i.createdAt);
    expect([...times].sort()).toEqual(times);
    expect(items.find((i) => i.id === a)?.onBehalfOfMe).toBe(true);
    expect((await listQueue({ kind: "destructive" }, users.fresh!)).every((i) => i.toolKind === "destructive")).toBe(true);
    expect(await listQueue({ tenant: "globex" }, users.fresh!)).toEqual([]);
    const detail = await getActionDetail(a, { ...users.fresh!, roles: ["reviewer"] });
    expect(detail?.viewer.canVote).toBe(false);
    expect(detail?.undo).toMatchObject({ reversible: true });
  });

  it("history marks a decision taken in under 3 seconds, and the timeline comes from the audit log", async () => {
    const id = await propose("ticket.close", { ticket_id: "T-6" });
    await castConsoleVote({ actionId: id, userId: users.fresh!.id, vote: "approve", timeOnCardMs: 800 });
    const rows = await listHistory({ fast: "1" });
    expect(rows.find((r) => r.id === id)?.fast).toBe(true);
    expect(rows.every((r) => r.fast)).toBe(true);
    const detail = await getActionDetail(id, { ...users.fresh!, roles: ["reviewer"] });
    expect(detail?.timeline.map((t) => t.type)).toEqual(expect.arrayContaining(["action.decided", "approval.recorded", "action.approved", "token.minted"]));
  });
});
