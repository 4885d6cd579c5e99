import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDb } from "./support/db";
import { startAgentServer } from "./support/agent-server";
import { makeUser } from "./support/fixtures";
import { db } from "@/lib/db/client";
import { DEMO_ROUTES, DEMO_TOOLS } from "@/lib/seed/demo-data";
import { createCredential } from "@/lib/agents/create-credential";
import { proposePolicyChange } from "@/lib/policy-changes/propose-policy-change";
import { approvePolicyChange } from "@/lib/policy-changes/approve-policy-change";
import { rejectPolicyChange } from "@/lib/policy-changes/reject-policy-change";
import { rollbackPolicy } from "@/lib/policy-changes/rollback-policy";
import { dryRunPolicy } from "@/lib/policy-changes/dry-run-policy";
import { rebasePolicyChange } from "@/lib/policy-changes/rebase-policy-change";
import { reviewPolicyChange } from "@/lib/policy-changes/review-policy-change";
import { approvePolicyTestDeletion, cancelPolicyTestDeletion, requestPolicyTestDeletion } from "@/lib/policy-changes/manage-policy-tests";
import { appendAudit } from "@/lib/audit/append";
import type { Policy } from "@/lib/policy/types";

let cleanup: () => Promise<void>;
let server: { url: string; close: () => Promise<void> };
let admin1: string;
let admin2: string;
let agentKey: string;
const draft = DEMO_ROUTES.find((r) => r.name === "support/draft")!;
const send = DEMO_ROUTES.find((r) => r.name === "support/send")!;

async function seedRoute(r: (typeof DEMO_ROUTES)[number], withTests: boolean) {
  const route = await db().route.create({ data: { name: r.name, description: r.description, activeVersion: 1 } });
  await db().policyVersion.create({ data: { routeId: route.id, version: 1, policy: JSON.stringify(r.policy), status: "active", reason: "seed" } });
  if (withTests) {
    for (const t of r.tests) await db().policyTest.create({ data: { routeId: route.id, tool: t.tool, expect: t.expect, note: t.note } });
  }
}

async function active(route: string): Promise<Policy> {
  const r = await db().route.findUniqueOrThrow({ where: { name: route } });
  const v = await db().policyVersion.findUniqueOrThrow({ where: { routeId_version: { routeId: r.id, version: r.activeVersion } } });
  return JSON.parse(v.policy) as Policy;
}

async function agentCall(method: string, path: string, body?: unknown) {
  const res = await fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${agentKey}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

let n = 0;
async function proposeEmailSend(route: string) {
  const run = await agentCall("POST", "/api/v1/runs", { route });
  expect(run.status).toBe(201);
  return agentCall("POST", "/api/v1/actions", {
    run_id: run.body.run_id,
    tool: "email.send",
    args: { to: "c@example.com", subject: "Hi", body: "Hello", ticket_id: "T-1" },
    idempotency_key: `k-${++n}`,
  });
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
  // support/draft without its "email.send is denied" expectation, so the widening is not blocked.
  await seedRoute(draft, false);
  await seedRoute(send, true);
  admin1 = await makeUser("a1@test", ["admin"]);
  admin2 = await makeUser("a2@test", ["admin"]);
  agentKey = (await createCredential({ name: "t", tenantId: "acme", env: "prod", routes: ["support/draft", "support/send"] })).key;
  server = await startAgentServer();
});
afterAll(async () => {
  await server.close();
  await cleanup();
});

const widened = (p: Policy): Policy => ({ ...p, deny_tools: p.deny_tools.filter((t) => t !== "email.send"), allow_tools: [...p.allow_tools, "email.send"] });

describe("a widening needs a second admin", () => {
  it("stays pending, the author cannot approve it, and only a second admin's approval lets email.send through", async () => {
    const email = DEMO_TOOLS.find((t) => t.name === "email.send")!;
    const before = await proposeEmailSend("support/draft");
    expect(before.status).toBe(403);
    expect(before.body.error.reason).toBe("tool_denied");

    const change = await proposePolicyChange({ route: "support/draft", policy: widened(draft.policy), reason: "pilot", actorId: admin1 });
    expect(change.status).toBe("pending");
    expect(change.comparison.widening.length).toBeGreaterThan(0);
    expect((await active("support/draft")).deny_tools).toContain("email.send");
    expect((await proposeEmailSend("support/draft")).status).toBe(403);

    await expect(approvePolicyChange({ versionId: change.id, actorId: admin1 })).rejects.toMatchObject({ code: "forbidden" });
    expect((await proposeEmailSend("support/draft")).status).toBe(403);

    const ok = await approvePolicyChange({ versionId: change.id, actorId: admin2 });
    expect(ok.status).toBe("active");
    const r = await db().route.findUniqueOrThrow({ where: { name: "support/draft" } });
    expect(r.activeVersion).toBe(change.version);
    const after = await proposeEmailSend("support/draft");
    expect(after.status).toBe(202);
    expect(after.body.status).toBe("pending");
    expect(email.kind).toBe("write");

    const types = (await db().auditEvent.findMany({ where: { route: "support/draft", type: { startsWith: "policy." } } })).map((e) => e.type);
    expect(types).toEqual(["policy.proposed", "policy.approved"]);
  });

  it("a pending change cannot be approved twice and a rejected one never applies", async () => {
    const p = await active("support/draft");
    const change = await proposePolicyChange({
      route: "support/draft",
      policy: { ...p, budgets: { ...p.budgets, steps: p.budgets.steps + 5 } },
      reason: "more steps",
      actorId: admin2,
    });
    expect(change.status).toBe("pending");
    await rejectPolicyChange({ versionId: change.id, actorId: admin1, reason: "no" });
    await expect(approvePolicyChange({ versionId: change.id, actorId: admin1 })).rejects.toMatchObject({ code: "conflict" });
    expect((await active("support/draft")).budgets.steps).toBe(p.budgets.steps);
  });

  it("a non-admin cannot approve", async () => {
    const viewer = await makeUser("v@test", ["viewer"]);
    const p = await active("support/draft");
    const change = await proposePolicyChange({ route: "support/draft", policy: { ...p, budgets: { ...p.budgets, usd: p.budgets.usd + 1 } }, reason: "usd", actorId: admin1 });
    await expect(approvePolicyChange({ versionId: change.id, actorId: viewer })).rejects.toMatchObject({ code: "forbidden" });
  });
});

describe("narrowing takes effect at once", () => {
  it("a new active version, the previous one superseded, the route pointing at it, audited with a webhook queued", async () => {
    const ep = await db().webhookEndpoint.create({ data: { url: "https://hooks.example.com/x", events: JSON.stringify(["policy.changed"]), secretSealed: "x" } });
    const p = await active("support/draft");
    const r0 = await db().route.findUniqueOrThrow({ where: { name: "support/draft" } });
    const change = await proposePolicyChange({
      route: "support/draft",
      policy: { ...p, deny_tools: [...p.deny_tools, "kb.search"], allow_tools: p.allow_tools.filter((t) => t !== "kb.search") },
      reason: "tighten",
      actorId: admin1,
    });
    expect(change.status).toBe("active");
    const r1 = await db().route.findUniqueOrThrow({ where: { name: "support/draft" } });
    expect(r1.activeVersion).toBe(change.version);
    const prev = await db().policyVersion.findUniqueOrThrow({ where: { routeId_version: { routeId: r0.id, version: r0.activeVersion } } });
    expect(prev.status).toBe("superseded");
    expect(await db().webhookDelivery.count({ where: { endpointId: ep.id, event: "policy.changed" } })).toBe(1);
    const last = await db().auditEvent.findFirstOrThrow({ orderBy: { seq: "desc" } });
    expect(last.type).toBe("policy.changed");
    expect(last.actorId).toBe(admin1);
    await db().webhookEndpoint.update({ where: { id: ep.id }, data: { enabled: false } });
  });

  it("invalid policies are refused: a tool in both allow and deny, unknown keys", async () => {
    const p = await active("support/draft");
    await expect(
      proposePolicyChange({ route: "support/draft", policy: { ...p, deny_tools: [...p.deny_tools, "email.draft"] }, reason: "x", actorId: admin1 }),
    ).rejects.toMatchObject({ code: "validation_failed" });
    await expect(proposePolicyChange({ route: "support/draft", policy: { ...p, deny_tool: [] }, reason: "x", actorId: admin1 })).rejects.toMatchObject({
      code: "validation_failed",
    });
    await expect(proposePolicyChange({ route: "support/draft", policy: p, reason: "", actorId: admin1 })).rejects.toMatchObject({ code: "validation_failed" });
  });
});

describe("policy tests block a change", () => {
  it("a narrowing that breaks an expectation is blocked with the failing expectation, and nothing changes", async () => {
    const before = await db().route.findUniqueOrThrow({ where: { name: "support/send" } });
    const p = send.policy;
    const change = await proposePolicyChange({
      route: "support/send",
      policy: { ...p, require_approval: p.require_approval.filter((t) => t !== "email.send"), deny_tools: [...p.deny_tools, "email.send"] },
      reason: "stop mail",
      actorId: admin1,
    });
    expect(change.status).toBe("blocked");
    expect(change.failing.map((f) => f.expectation)).toEqual([{ tool: "email.send", expect: "requires_approval" }]);
    expect(change.failing[0]!.message).toContain("email.send");
    const after = await db().route.findUniqueOrThrow({ where: { name: "support/send" } });
    expect(after.activeVersion).toBe(before.activeVersion);
    const row = await db().policyVersion.findUniqueOrThrow({ where: { id: change.id } });
    expect(row.status).toBe("blocked");
  });

  it("a pending widening whose expectations fail by approval time is blocked instead of applied", async () => {
    const p = send.policy;
    const change = await proposePolicyChange({ route: "support/send", policy: { ...p, budgets: { ...p.budgets, steps: 99 } }, reason: "more", actorId: admin1 });
    expect(change.status).toBe("pending");
    const route = await db().route.findUniqueOrThrow({ where: { name: "support/send" } });
    const t = await db().policyTest.create({ data: { routeId: route.id, tool: "kb.search", expect: "denied" } });
    const res = await approvePolicyChange({ versionId: change.id, actorId: admin2 });
    expect(res.status).toBe("blocked");
    expect((await active("support/send")).budgets.steps).toBe(p.budgets.steps);
    await db().policyTest.delete({ where: { id: t.id } });
  });
});

describe("rollback", () => {
  it("is a new version; rolling back to a wider version needs approval", async () => {
    const route = await db().route.findUniqueOrThrow({ where: { name: "support/draft" } });
    const r = await rollbackPolicy({ route: "support/draft", toVersion: 1, reason: "undo pilot", actorId: admin1 });
    // v1 denied email.send and allowed kb.search; the active version allows email.send and denies kb.search: mixed → pending.
    expect(r.status).toBe("pending");
    expect(r.version).toBeGreaterThan(route.activeVersion);
    const row = await db().policyVersion.findUniqueOrThrow({ where: { id: r.id } });
    expect(row.reason).toContain("Rollback to v1");
    expect(JSON.parse(row.policy)).toEqual(JSON.parse((await db().policyVersion.findUniqueOrThrow({ where: { routeId_version: { routeId: route.id, version: 1 } } })).policy));
  });
});

describe("dry-run", () => {
  it("replays the last decisions under a narrowing draft and counts the changes", async () => {
    const route = await db().route.create({ data: { name: "dry/run", activeVersion: 1 } });
    await db().policyVersion.create({ data: { routeId: route.id, version: 1, policy: JSON.stringify(draft.policy), status: "active" } });
    const history: [string, string, string][] = [
      ["kb.search", "allowed", "read_allowed"],
      ["kb.search", "allowed", "read_allowed"],
      ["kb.search", "allowed", "read_allowed"],
      ["email.draft", "allowed", "auto_approved"],
      ["email.draft", "allowed", "auto_approved"],
      ["email.send", "denied", "tool_denied"],
      ["tickets.get", "denied", "kill_switch"],
      ["tickets.get", "allowed", "read_allowed"],
    ];
    await db().$transaction(async (tx) => {
      for (const [tool, status, reason] of history) await appendAudit(tx, { type: "action.decided", actorType: "agent", route: "dry/run", tool, status, reason });
    });
    const narrowed: Policy = {
      ...draft.policy,
      allow_tools: draft.policy.allow_tools.filter((t) => t !== "kb.search"),
      require_approval: ["email.draft"],
      auto_approve: [],
    };
    const res = await dryRunPolicy({ route: "dry/run", policy: narrowed });
    expect(res.considered).toBe(8);
    expect(res.skipped).toBe(1);
    expect(res.changed).toBe(5);
    expect(res.unchanged).toBe(2);
    const by = Object.fromEntries(res.transitions.map((t) => [`${t.from}>${t.to}`, t.count]));
    expect(by).toEqual({ "allowed>denied": 3, "allowed>pending": 2 });
    expect(res.transitions[0]!.examples[0]!.tool).toBe("kb.search");

    const limited = await dryRunPolicy({ route: "dry/run", policy: narrowed, limit: 3 });
    expect(limited.considered).toBe(3);
  });
});

describe("semantic verdicts on a real route (issue 18)", () => {
  it("require_approval → auto_approve without allow is a narrowing: active at once by one admin, and the agent is denied", async () => {
    const p = await active("support/send");
    const change = await proposePolicyChange({
      route: "support/send",
      policy: { ...p, require_approval: p.require_approval.filter((t) => t !== "ticket.update"), auto_approve: [...p.auto_approve, "ticket.update"] },
      reason: "auto-approve updates (mistake)",
      actorId: admin1,
    });
    expect(change.status).toBe("active");
    expect(change.comparison.changes.map((c) => c.text)).toEqual(["ticket.update: pending(1) → denied"]);
    expect(change.comparison.widening).toEqual([]);
    const audit = await db().auditEvent.findFirstOrThrow({ where: { type: "policy.changed" }, orderBy: { seq: "desc" } });
    expect(JSON.parse(audit.data!).changes).toEqual(["ticket.update: pending(1) → denied"]);
  });

  it("require_approval → deny_tools applies at once by one admin", async () => {
    const p = await active("support/send");
    const change = await proposePolicyChange({
      route: "support/send",
      policy: { ...p, require_approval: p.require_approval.filter((t) => t !== "ticket.create"), deny_tools: [...p.deny_tools, "ticket.create"] },
      reason: "incident",
      actorId: admin1,
    });
    expect(change.status).toBe("active");
    expect(change.comparison.narrowing).toEqual(["ticket.create: pending(1) → denied"]);
  });
});

describe("changes are proposals against a base", () => {
  it("a stale widening (v7 before the narrowing v8) is refused with the lost cells; the author rebases and the narrowing survives", async () => {
    const v6 = await active("support/send");
    const v7 = await proposePolicyChange({ route: "support/send", policy: { ...v6, budgets: { ...v6.budgets, steps: 40 } }, reason: "more steps", actorId: admin1 });
    expect(v7.status).toBe("pending");
    const v8 = await proposePolicyChange({
      route: "support/send",
      policy: { ...v6, allow_tools: v6.allow_tools.filter((t) => t !== "customers.get") },
      reason: "no customer lookups",
      actorId: admin2,
      baseVersion: v7.baseVersion,
    });
    expect(v8.status).toBe("active");
    const err = await approvePolicyChange({ versionId: v7.id, actorId: admin2 }).catch((e) => e);
    expect(err).toMatchObject({ code: "conflict", reason: "stale_base" });
    expect(err.extra.lost).toEqual(["customers.get: denied → allowed"]);
    expect((await active("support/send")).allow_tools).not.toContain("customers.get");

    // A draft saved from the old version is refused the same way.
    await expect(
      proposePolicyChange({ route: "support/send", policy: { ...v6, budgets: { ...v6.budgets, usd: 1 } }, reason: "x", actorId: admin1, baseVersion: v7.baseVersion }),
    ).rejects.toMatchObject({ code: "conflict", reason: "stale_base" });

    await expect(rebasePolicyChange({ versionId: v7.id, actorId: admin2 })).rejects.toMatchObject({ code: "forbidden" });
    const rebased = await rebasePolicyChange({ versionId: v7.id, actorId: admin1 });
    expect(rebased.status).toBe("pending");
    expect(rebased.baseVersion).toBe(v8.version);
    expect(rebased.comparison.changes.map((c) => c.text)).toEqual(["budgets.steps: 25 → 40"]);
    expect((await db().policyVersion.findUniqueOrThrow({ where: { id: v7.id } })).status).toBe("rebased");
    const review = await reviewPolicyChange(rebased.id);
    expect(review.stale).toBe(false);
    expect(review.comparison.widening).toEqual(["budgets.steps: 25 → 40"]);
    expect(review.expectations.every((e) => e.ok)).toBe(true);
    expect(review.dryRun.route).toBe("support/send");

    const ok = await approvePolicyChange({ versionId: rebased.id, actorId: admin2 });
    expect(ok.status).toBe("active");
    const now = await active("support/send");
    expect(now.budgets.steps).toBe(40);
    expect(now.allow_tools).not.toContain("customers.get");
  });

  it("rollback is offered only to versions that were active", async () => {
    const p = await active("support/send");
    const pending = await proposePolicyChange({ route: "support/send", policy: { ...p, budgets: { ...p.budgets, usd: 9 } }, reason: "usd", actorId: admin1 });
    await rejectPolicyChange({ versionId: pending.id, actorId: admin1, reason: "withdrawn" });
    await expect(rollbackPolicy({ route: "support/send", toVersion: pending.version, reason: "x", actorId: admin1 })).rejects.toMatchObject({
      code: "conflict",
      reason: "never_active",
    });
    const route = await db().route.findUniqueOrThrow({ where: { name: "support/send" } });
    await expect(rollbackPolicy({ route: "support/send", toVersion: route.activeVersion, reason: "x", actorId: admin1 })).rejects.toMatchObject({ code: "conflict" });
  });
});

describe("deleting a policy test takes two admins", () => {
  it("a request keeps the test running; the requester cannot approve it; a second admin deletes it", async () => {
    const route = await db().route.findUniqueOrThrow({ where: { name: "support/send" } });
    const t = await db().policyTest.findFirstOrThrow({ where: { routeId: route.id, tool: "db.write" } });
    await requestPolicyTestDeletion(t.id, "obsolete", { actorId: admin1 });
    await expect(requestPolicyTestDeletion(t.id, "again", { actorId: admin2 })).rejects.toMatchObject({ code: "conflict" });
    // Still guarding: a change that breaks it is blocked.
    const p = await active("support/send");
    const blocked = await proposePolicyChange({
      route: "support/send",
      policy: { ...p, deny_tools: p.deny_tools.filter((x) => x !== "db.write"), require_approval: [...p.require_approval, "db.write"] },
      reason: "db writes",
      actorId: admin2,
    });
    expect(blocked.status).toBe("blocked");
    await expect(approvePolicyTestDeletion(t.id, { actorId: admin1 })).rejects.toMatchObject({ code: "forbidden" });
    await expect(approvePolicyTestDeletion(t.id, { actorId: admin2, channel: "api_token" })).rejects.toMatchObject({ code: "forbidden" });
    expect(await db().policyTest.count({ where: { id: t.id } })).toBe(1);
    await cancelPolicyTestDeletion(t.id, { actorId: admin2 });
    await expect(approvePolicyTestDeletion(t.id, { actorId: admin2 })).rejects.toMatchObject({ code: "conflict" });
    await requestPolicyTestDeletion(t.id, "obsolete", { actorId: admin1 });
    await approvePolicyTestDeletion(t.id, { actorId: admin2 });
    expect(await db().policyTest.count({ where: { id: t.id } })).toBe(0);
    const types = (await db().auditEvent.findMany({ where: { type: { startsWith: "policy_test." } }, orderBy: { seq: "asc" } })).map((e) => e.type);
    expect(types).toEqual(["policy_test.delete_requested", "policy_test.delete_cancelled", "policy_test.delete_requested", "policy_test.deleted"]);
  });
});

describe("argument conditions at save", () => {
  it("a condition on a field the tool's schema does not have is refused with 422 and nothing is stored", async () => {
    const p = await active("support/send");
    const before = await db().policyVersion.count();
    const err = await proposePolicyChange({
      route: "support/send",
      policy: { ...p, conditions: [{ tool: "refund.create", when: "args.amount <= 20.0", effect: "allow" }] },
      reason: "small refunds",
      actorId: admin1,
    }).catch((e) => e);
    expect(err).toMatchObject({ code: "validation_failed", status: 422 });
    expect(err.issues[0].path).toBe("conditions.0.when");
    expect(await db().policyVersion.count()).toBe(before);
    const ok = await proposePolicyChange({
      route: "support/send",
      policy: { ...p, conditions: [{ tool: "refund.create", when: "args.amount_usd > 100.0", effect: "require_approval", approvals: 2 }] },
      reason: "big refunds need two",
      actorId: admin1,
    });
    expect(ok.status).toBe("active");
    expect(ok.comparison.narrowing).toEqual(["refund.create when args.amount_usd > 100.0: pending(1) → pending(2)"]);
  });
});

describe("two admins saving at once", () => {
  it("two changes made from the same version: exactly one applies, the other is a 409 and nothing is lost", async () => {
    const route = await db().route.findUniqueOrThrow({ where: { name: "support/draft" } });
    const p = await active("support/draft");
    const a = { ...p, budgets: { ...p.budgets, steps: Math.max(1, p.budgets.steps - 1) } };
    const b = { ...p, budgets: { ...p.budgets, seconds: Math.max(1, p.budgets.seconds - 1) } };
    const results = await Promise.allSettled([
      proposePolicyChange({ route: "support/draft", policy: a, reason: "a", actorId: admin1, baseVersion: route.activeVersion }),
      proposePolicyChange({ route: "support/draft", policy: b, reason: "b", actorId: admin2, baseVersion: route.activeVersion }),
    ]);
    const ok = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.reason).toMatchObject({ code: "conflict", status: 409 });
    const after = await db().route.findUniqueOrThrow({ where: { name: "support/draft" } });
    expect(after.activeVersion).toBe((ok[0] as PromiseFulfilledResult<{ version: number }>).value.version);
  });
});
