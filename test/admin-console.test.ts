import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "./support/demo-db";
import { startAgentServer } from "./support/agent-server";
import { makeUser } from "./support/fixtures";
import { db } from "@/lib/db/client";
import { DEMO_AGENTS, DEMO_TOOLS } from "@/lib/seed/demo-data";
import { unseal } from "@/lib/crypto/seal";
import { createCredential, revokeCredential } from "@/lib/agents/create-credential";
import { rotateCredential } from "@/lib/agents/rotate-credential";
import { approveToolChange, listPendingToolChanges, rejectToolChange, saveTool } from "@/lib/catalog/save-tool";
import { createUser, deleteUser, updateUser } from "@/lib/users/manage-users";
import { resetBreaker } from "@/lib/routes/reset-breaker";
import { createEndpoint } from "@/lib/webhook-admin/manage-endpoints";
import { listDeliveryPage, parseDeliveryQuery, retryDelivery } from "@/lib/webhook-admin/deliveries";
import { DELIVERY_PAGE } from "@/lib/webhook-admin/delivery-log";
import { AppError } from "@/lib/errors";
import { setKillSwitch } from "@/lib/kill-switches/set-kill-switch";

let cleanup: () => Promise<void>;
let server: { url: string; close: () => Promise<void> };
let admin1: string;
let admin2: string;
const acme = DEMO_AGENTS.find((a) => a.tenant === "acme" && a.env === "prod" && a.routes.includes("support/send"))!;

async function call(key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, any> };
}
let n = 0;
async function search(key: string) {
  const run = await call(key, "POST", "/api/v1/runs", { route: "support/send" });
  if (run.status !== 201) return run;
  return call(key, "POST", "/api/v1/actions", { run_id: run.body.run_id, tool: "kb.search", args: { query: "reset" }, idempotency_key: `ks-${++n}` });
}

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  admin1 = (await db().user.findUniqueOrThrow({ where: { email: "admin@gatehouse.local" } })).id;
  admin2 = (await db().user.findUniqueOrThrow({ where: { email: "admin2@gatehouse.local" } })).id;
  server = await startAgentServer();
});
afterAll(async () => {
  await server.close();
  await cleanup();
});

describe("kill switches and keys take effect on the next request", () => {
  it("a tool kill switch denies the next call with kill_switch; turning it off restores it", async () => {
    expect((await search(acme.key)).status).toBe(200);
    await setKillSwitch({ scope: "tool", tenantId: "acme", tool: "kb.search", enabled: true, reason: "incident", actorId: admin1 });
    const r = await search(acme.key);
    expect(r.status).toBe(403);
    expect(r.body.error.reason).toBe("kill_switch");
    await setKillSwitch({ scope: "tool", tenantId: "acme", tool: "kb.search", enabled: false, reason: "over", actorId: admin1 });
    expect((await search(acme.key)).status).toBe(200);
  });

  it("a revoked key gets 401 on its next request", async () => {
    const c = await createCredential({ name: "tmp", tenantId: "acme", env: "prod", routes: ["support/send"] });
    expect((await search(c.key)).status).toBe(200);
    await revokeCredential(c.id, admin1);
    expect((await search(c.key)).status).toBe(401);
  });

  it("rotation: the new key works with the same scope, the old one is 401, rotatedFromId set, audited", async () => {
    const c = await createCredential({ name: "rot", tenantId: "acme", env: "prod", routes: ["support/send"], callbackAllowlist: ["hooks.example.com"] });
    const r = await rotateCredential(c.id, admin1);
    expect((await search(c.key)).status).toBe(401);
    expect((await search(r.key)).status).toBe(200);
    const row = await db().agentCredential.findUniqueOrThrow({ where: { id: r.id } });
    expect(row.rotatedFromId).toBe(c.id);
    expect([row.tenantId, row.env, row.routes, row.callbackAllowlist]).toEqual(["acme", "prod", JSON.stringify(["support/send"]), JSON.stringify(["hooks.example.com"])]);
    expect(unseal(row.callbackSecret, `callback-secret:${r.id}`)).toBe(r.callbackSecret);
    expect(await db().auditEvent.count({ where: { type: "credential.rotated" } })).toBe(1);
    await expect(rotateCredential(c.id, admin1)).rejects.toMatchObject({ code: "conflict" });
  });
});

describe("making a tool less strict needs a second admin", () => {
  const close = DEMO_TOOLS.find((t) => t.name === "ticket.close")!;

  it("write → read is recorded as pending, not applied; the requester cannot approve; another admin can", async () => {
    const res = await saveTool({ entry: { ...close, kind: "read" }, mode: "update", actorId: admin1 });
    expect(res.status).toBe("pending");
    expect((await db().tool.findUniqueOrThrow({ where: { name: "ticket.close" } })).kind).toBe("write");
    const pending = await listPendingToolChanges();
    expect(pending.map((p) => p.tool)).toEqual(["ticket.close"]);
    const seq = res.status === "pending" ? res.requestSeq : -1;
    await expect(approveToolChange({ requestSeq: seq, actorId: admin1 })).rejects.toMatchObject({ code: "forbidden" });
    await approveToolChange({ requestSeq: seq, actorId: admin2 });
    expect((await db().tool.findUniqueOrThrow({ where: { name: "ticket.close" } })).kind).toBe("read");
    expect(await listPendingToolChanges()).toEqual([]);
    await expect(approveToolChange({ requestSeq: seq, actorId: admin2 })).rejects.toMatchObject({ code: "conflict" });
  });

  it("making it stricter applies at once; a rejected request never applies", async () => {
    expect((await saveTool({ entry: { ...close, kind: "destructive" }, mode: "update", actorId: admin1 })).status).toBe("saved");
    const res = await saveTool({ entry: { ...close, kind: "write" }, mode: "update", actorId: admin1 });
    expect(res.status).toBe("pending");
    await rejectToolChange({ requestSeq: res.status === "pending" ? res.requestSeq : -1, actorId: admin2 });
    expect((await db().tool.findUniqueOrThrow({ where: { name: "ticket.close" } })).kind).toBe("destructive");
  });

  it("an args schema that is not a valid JSON Schema is refused", async () => {
    await expect(
      saveTool({ entry: { ...close, name: "ticket.reopen", argsSchema: { type: "object", properties: { a: { type: "nonsense" } } } }, mode: "create", actorId: admin1 }),
    ).rejects.toMatchObject({
      code: "validation_failed",
    });
  });

  it("what reviewers read and what agents may pass changes only with a second admin: summary, description, blast radius, undo, argument schema", async () => {
    const now = await db().tool.findUniqueOrThrow({ where: { name: "ticket.close" } });
    const base = { ...close, kind: now.kind as typeof close.kind };
    const schema = close.argsSchema as { properties: Record<string, unknown> };
    const edits: [string, Record<string, unknown>][] = [
      ["summary", { summaryTemplate: "Tidy up {ticket_id}" }],
      ["description", { description: "Harmless housekeeping." }],
      ["blast radius", { blastRadius: { scope: "nothing much", records: 0, description: "Nothing." } }],
      ["undo", { undo: { reversible: true, via: "ticket.reopen", note: "Reopen it." } }],
      ["schema", { argsSchema: { ...schema, properties: { ...schema.properties, extra: { type: "string" } } } }],
    ];
    for (const [what, edit] of edits) {
      const res = await saveTool({ entry: { ...base, ...edit }, mode: "update", actorId: admin1 });
      expect([what, res.status]).toEqual([what, "pending"]);
      if (res.status === "pending") await rejectToolChange({ requestSeq: res.requestSeq, actorId: admin2 });
    }
    const after = await db().tool.findUniqueOrThrow({ where: { name: "ticket.close" } });
    expect([after.summaryTemplate, after.description, after.blastRadius, after.undo, after.argsSchema]).toEqual([
      now.summaryTemplate,
      now.description,
      now.blastRadius,
      now.undo,
      now.argsSchema,
    ]);
    // Saving the entry as it is changes nothing, and is saved.
    expect((await saveTool({ entry: base, mode: "update", actorId: admin1 })).status).toBe("saved");
  });

  it("a pending change cannot be approved once the tool changed since it was requested: it would write back what another change set", async () => {
    const now = await db().tool.findUniqueOrThrow({ where: { name: "ticket.close" } });
    const base = { ...close, kind: now.kind as typeof close.kind };
    // A: lower the kind (pending). B: a new summary, approved first.
    const a = await saveTool({ entry: { ...base, kind: "read" }, mode: "update", actorId: admin1 });
    const b = await saveTool({ entry: { ...base, summaryTemplate: "Close ticket {ticket_id} (checked)" }, mode: "update", actorId: admin1 });
    if (a.status !== "pending" || b.status !== "pending") throw new Error("expected two pending changes");
    await approveToolChange({ requestSeq: b.requestSeq, actorId: admin2 });
    await expect(approveToolChange({ requestSeq: a.requestSeq, actorId: admin2 })).rejects.toMatchObject({ code: "conflict" });
    const after = await db().tool.findUniqueOrThrow({ where: { name: "ticket.close" } });
    expect([after.kind, after.summaryTemplate]).toEqual([now.kind, "Close ticket {ticket_id} (checked)"]);
  });
});

describe("the last admin", () => {
  it("cannot be demoted, disabled or removed; a second admin can be", async () => {
    const solo = await db().user.findMany({ where: { roles: { contains: "admin" } } });
    // Leave exactly one admin: demote admin2 (allowed while admin1 remains).
    await updateUser(admin2, { roles: ["viewer"] }, { actorId: admin1 });
    expect(solo.length).toBe(2);
    await expect(updateUser(admin1, { roles: ["reviewer"] }, { actorId: admin1 })).rejects.toMatchObject({ code: "conflict" });
    await expect(updateUser(admin1, { disabled: true }, { actorId: admin1 })).rejects.toMatchObject({ code: "conflict" });
    await expect(deleteUser(admin1, { actorId: admin1 })).rejects.toMatchObject({ code: "conflict" });
    const still = await db().user.findUniqueOrThrow({ where: { id: admin1 } });
    expect([still.roles, still.disabled]).toEqual(["admin", false]);
    // A disabled admin does not count.
    const other = await makeUser("a3@test.local", ["admin"]);
    await updateUser(other, { disabled: true }, { actorId: admin1 });
    await expect(updateUser(admin1, { roles: ["viewer"] }, { actorId: admin1 })).rejects.toMatchObject({ code: "conflict" });
    // Making admin2 an admin again is a grant for a second admin; nothing changes yet.
    await expect(updateUser(admin2, { roles: ["admin"] }, { actorId: admin1 })).resolves.toMatchObject({ status: "pending" });
    expect((await db().user.findUniqueOrThrow({ where: { id: admin2 } })).roles).toBe("viewer");
    await expect(createUser({ email: "a3@test.local", name: "dup", password: "long-enough-pw", roles: [] }, { actorId: admin1 })).rejects.toMatchObject({ code: "conflict" });
  });
});

describe("routes and webhooks", () => {
  it("a human resets one scope's open breaker (closed, count 0), audited; other scopes stay open", async () => {
    const r = await db().route.findUniqueOrThrow({ where: { name: "research" } });
    const open = { state: "open", count: 20, openedAt: new Date() };
    await db().routeBreaker.createMany({
      data: [
        { routeId: r.id, tenantId: "acme", env: "dev", ...open },
        { routeId: r.id, tenantId: "globex", env: "dev", ...open },
      ],
    });
    await resetBreaker({ route: r.name, scope: { tenantId: "acme", env: "dev" }, actorId: admin1, reason: "fixed" });
    const after = await db().routeBreaker.findMany({ where: { routeId: r.id }, orderBy: { tenantId: "asc" } });
    expect(after.map((b) => [b.tenantId, b.state, b.count])).toEqual([
      ["acme", "closed", 0],
      ["globex", "open", 20],
    ]);
    expect(await db().auditEvent.count({ where: { type: "breaker.reset", route: "research", tenantId: "acme", env: "dev" } })).toBe(1);
  });

  it("an endpoint's secret is returned once and stored sealed to its id; private targets need allowPrivate; retry requeues", async () => {
    const ep = await createEndpoint({ url: "https://hooks.example.com/gh", events: ["policy.changed"] }, { actorId: admin1 });
    const row = await db().webhookEndpoint.findUniqueOrThrow({ where: { id: ep.id } });
    expect(row.secretSealed).not.toContain(ep.secret);
    expect(unseal(row.secretSealed, `webhook-secret:${ep.id}`)).toBe(ep.secret);
    await expect(createEndpoint({ url: "http://127.0.0.1:9/x", events: ["*"] }, { actorId: admin1 })).rejects.toMatchObject({ code: "validation_failed" });
    await createEndpoint({ url: "http://127.0.0.1:9/x", events: ["*"], allowPrivate: true }, { actorId: admin1 });
    const d = await db().webhookDelivery.create({
      data: { kind: "webhook", endpointId: ep.id, url: row.url, event: "policy.changed", payload: "{}", status: "failed", nextAttemptAt: new Date(0) },
    });
    await retryDelivery(d.id, { actorId: admin1 });
    const again = await db().webhookDelivery.findUniqueOrThrow({ where: { id: d.id } });
    expect(again.status).toBe("pending");
    expect(again.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() - 5000);
  });

  it("the delivery log pages newest first by keyset, filters by status with true counts, and refuses a bad query", async () => {
    const t0 = Date.now() - 3600_000;
    // An old failed delivery under 120 newer delivered ones: reachable by its status, and by paging.
    const failedId = (
      await db().webhookDelivery.create({
        data: {
          kind: "webhook",
          url: "https://hooks.example.com/old",
          event: "action.approved",
          payload: "{}",
          status: "failed",
          nextAttemptAt: new Date(0),
          createdAt: new Date(t0),
        },
      })
    ).id;
    await db().webhookDelivery.createMany({
      data: Array.from({ length: 120 }, (_, i) => ({
        kind: "webhook",
        url: "https://hooks.example.com/new",
        event: "action.approved",
        payload: "{}",
        status: "delivered",
        nextAttemptAt: new Date(0),
        createdAt: new Date(t0 + 1000 + i),
      })),
    });
    const all = await db().webhookDelivery.count();
    const first = await listDeliveryPage();
    expect(first.items).toHaveLength(DELIVERY_PAGE);
    expect(first.items.some((d) => d.id === failedId)).toBe(false);
    expect(Object.values(first.counts).reduce((n, c) => n + c, 0)).toBe(all);
    expect(first.counts.failed).toBe(await db().webhookDelivery.count({ where: { status: "failed" } }));
    const seen = first.items.map((d) => d.id);
    for (let page = first; page.older;) {
      page = await listDeliveryPage({ older: page.older });
      seen.push(...page.items.map((d) => d.id));
    }
    expect(seen).toHaveLength(all);
    expect(new Set(seen).size).toBe(all);
    expect(seen).toContain(failedId);
    const failed = await listDeliveryPage({ status: "failed" });
    expect(failed.items.every((d) => d.status === "failed")).toBe(true);
    expect(failed.items.map((d) => d.id)).toContain(failedId);
    expect(() => parseDeliveryQuery(new URLSearchParams("status=lost"))).toThrow(AppError);
    expect(() => parseDeliveryQuery(new URLSearchParams("page=2"))).toThrow(AppError);
    await expect(listDeliveryPage({ older: "bm90LWEta2V5" })).rejects.toMatchObject({ code: "validation_failed" });
    expect(parseDeliveryQuery(new URLSearchParams("status=failed&older="))).toEqual({ status: "failed" });
  });
});
