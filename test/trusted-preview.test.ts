import http from "node:http";
import type { LookupFunction } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "./support/demo-db";
import { startAgentServer } from "./support/agent-server";
import { makeUser } from "./support/fixtures";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { DEMO_TOOLS } from "@/lib/seed/demo-tools";
import { GatehouseAgent } from "@/lib/sdk/agent-client";
import { CapabilityError, verifyActionToken, verifyPreviewToken, verifyRunToken } from "@/lib/sdk/verify-capability";
import { publicJwks } from "@/lib/tokens/signing-keys";
import { approveToolChange, saveTool } from "@/lib/catalog/save-tool";
import { getActionDetail } from "@/lib/approvals/get-action-detail";
import { requestDuePreviews, requestPreview } from "@/lib/previews/request-preview";
import { startTicketService } from "@/examples/ticket-service";

// The trusted preview end to end: the demo ticket service (a real HTTP server) answers Gatehouse's
// preview requests from its current state; Gatehouse asks in the background (never inside the agent's
// request), through the SSRF filter, with a read-only preview token that no write endpoint accepts.

let cleanup: () => Promise<void>;
let server: { url: string; close: () => Promise<void> };
let svc: Awaited<ReturnType<typeof startTicketService>>;
let agent: GatehouseAgent;
let runId: string;
let admin1: string;
let admin2: string;
let reviewer: { id: string; email: string; roles: string[] };
const acme = DEMO_AGENTS.find((a) => a.tenant === "acme" && a.env === "prod" && a.routes.includes("support/send"))!;
const entryOf = (name: string) => structuredClone(DEMO_TOOLS.find((t) => t.name === name)!);
let n = 0;

async function propose(tool: string, args: Record<string, unknown>): Promise<string> {
  const p = await agent.propose({ run_id: runId, tool, args, idempotency_key: `preview-${n++}`, preview: { before: "all good", after: "still good" } });
  expect(p.status).toBe("pending");
  if (p.status === "denied") throw new Error("denied");
  return p.action_id;
}

/** Point a tool's preview endpoint somewhere: a widening, so one admin requests and another approves. */
async function setPreview(tool: string, url: string, allowPrivate: boolean): Promise<void> {
  const r = await saveTool({ entry: { ...entryOf(tool), preview: { url, allowPrivate } }, mode: "update", actorId: admin1 });
  expect(r.status).toBe("pending");
  if (r.status !== "pending") return;
  expect(r.widening.join(" ")).toMatch(/preview endpoint/);
  await approveToolChange({ requestSeq: r.requestSeq, actorId: admin2 });
}

const card = async (id: string) => (await getActionDetail(id, reviewer))!.card.preview;

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  server = await startAgentServer();
  svc = await startTicketService({ gatehouseUrl: server.url, tenant: "acme", env: "prod", issuer: env().GATEHOUSE_ISSUER, audience: env().GATEHOUSE_AUDIENCE });
  admin1 = await makeUser("admin1.preview@example.com", ["admin"]);
  admin2 = await makeUser("admin2.preview@example.com", ["admin"]);
  const rid = await makeUser("reviewer.preview@example.com", ["reviewer"]);
  reviewer = { id: rid, email: "reviewer.preview@example.com", roles: ["reviewer"] };
  agent = new GatehouseAgent({ baseUrl: server.url, apiKey: acme.key });
  runId = (await agent.startRun("support/send")).run_id;
  await setPreview("ticket.close", `${svc.url}/preview/ticket.close`, true);
  await setPreview("refund.create", `${svc.url}/preview/refund.create`, true);
}, 60_000);

afterAll(async () => {
  await svc?.close();
  await server?.close();
  await cleanup?.();
});

describe("the trusted preview (demo ticket service over real HTTP)", () => {
  it("is asked after the proposal, not inside it, and shows the ticket's real before/after; the agent's claim stays, labelled apart", async () => {
    const id = await propose("ticket.close", { ticket_id: "T-18421", resolution: "Fixed" });
    // The agent's request returned with the preview still to be asked: nothing was called on its hot path.
    expect((await db().action.findUniqueOrThrow({ where: { id } })).previewStatus).toBe("pending");
    expect(svc.previews.some((p) => p.action_id === id)).toBe(false);
    expect((await card(id)).service).toEqual({ status: "pending" });

    expect(await requestDuePreviews()).toBeGreaterThanOrEqual(1);
    const p = await card(id);
    expect(p.service.status).toBe("ok");
    expect(p.service.before).toEqual({ ticket_id: "T-18421", status: "open", priority: "normal" });
    expect(p.service.after).toEqual({ ticket_id: "T-18421", status: "closed", priority: "normal", resolution: "Fixed" });
    expect(p.agent).toEqual({ before: "all good", after: "still good" });
    expect(svc.previews).toContainEqual({ tool: "ticket.close", action_id: id });
  });

  it("follows the ticket as it changes during the test (not a canned answer)", async () => {
    svc.tickets.set("T-18421", { status: "on_hold", priority: "urgent" });
    const id = await propose("ticket.close", { ticket_id: "T-18421" });
    await requestPreview(id);
    expect((await card(id)).service.before).toEqual({ ticket_id: "T-18421", status: "on_hold", priority: "urgent" });

    svc.orders.set("O-7", { customer_id: "C-7", total_usd: 80, refunded_usd: 30 });
    const refund = await propose("refund.create", { customer_id: "C-7", order_id: "O-7", amount_usd: 25, reason: "late delivery" });
    await requestPreview(refund);
    const r = await card(refund);
    expect(r.service.before).toMatchObject({ order_id: "O-7", refunded_usd: 30 });
    expect(r.service.after).toMatchObject({ order_id: "O-7", refunded_usd: 55 });
  });

  it("a failing preview says so on the card: the service's error status, and a service that is down", async () => {
    const unknown = await propose("ticket.close", { ticket_id: "T-999999" });
    await requestPreview(unknown);
    expect(await card(unknown)).toMatchObject({ service: { status: "failed", error: "The tool service answered HTTP 404." } });

    const down = await startTicketService({ gatehouseUrl: server.url, tenant: "acme", env: "prod" });
    await down.close();
    await db().tool.update({ where: { name: "ticket.close" }, data: { previewUrl: `${down.url}/preview/ticket.close` } });
    const id = await propose("ticket.close", { ticket_id: "T-18421" });
    await requestPreview(id);
    const p = await card(id);
    expect(p.service.status).toBe("failed");
    expect(p.service.error).toMatch(/^The preview request failed: .*ECONNREFUSED/);
    expect(p.service.error).not.toContain("/preview/");
    await db().tool.update({ where: { name: "ticket.close" }, data: { previewUrl: `${svc.url}/preview/ticket.close` } });
  });

  it("bounded time: a tool service that never answers is a failed preview after the timeout", async () => {
    const hang = http.createServer(() => {});
    await new Promise<void>((r) => hang.listen(0, "127.0.0.1", r));
    const port = (hang.address() as { port: number }).port;
    await db().tool.update({ where: { name: "ticket.close" }, data: { previewUrl: `http://127.0.0.1:${port}/preview` } });
    try {
      const id = await propose("ticket.close", { ticket_id: "T-18421" });
      const started = Date.now();
      await requestPreview(id, { timeoutMs: 300 });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await card(id)).toMatchObject({ service: { status: "failed", error: "The preview request failed: timed out after 300 ms" } });
    } finally {
      hang.closeAllConnections();
      await new Promise((r) => hang.close(r));
      await db().tool.update({ where: { name: "ticket.close" }, data: { previewUrl: `${svc.url}/preview/ticket.close` } });
    }
  });

  it("SSRF: a loopback endpoint needs the admin's allowPrivate at save time, and a public name that resolves inside is refused at connect time", async () => {
    await expect(
      saveTool({ entry: { ...entryOf("ticket.update"), preview: { url: `${svc.url}/preview/ticket.update`, allowPrivate: false } }, mode: "update", actorId: admin1 }),
    ).rejects.toMatchObject({ code: "validation_failed", status: 422, issues: [expect.objectContaining({ path: "preview.url" })] });
    await db().tool.update({
      where: { name: "ticket.close" },
      data: { previewUrl: `http://tools.example.com:${new URL(svc.url).port}/preview/ticket.close`, previewAllowPrivate: false },
    });
    const rebind: LookupFunction = (_host, opts, cb) => {
      if (typeof opts === "object" && opts?.all) (cb as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: "127.0.0.1", family: 4 }]);
      else (cb as (e: null, a: string, f: number) => void)(null, "127.0.0.1", 4);
    };
    try {
      const before = svc.previews.length;
      const id = await propose("ticket.close", { ticket_id: "T-18421" });
      await requestPreview(id, { lookup: rebind });
      const p = await card(id);
      expect(p.service.status).toBe("failed");
      expect(p.service.error).toMatch(/not allowed|private|127\.0\.0\.1/i);
      expect(svc.previews.length).toBe(before);
    } finally {
      await db().tool.update({ where: { name: "ticket.close" }, data: { previewUrl: `${svc.url}/preview/ticket.close`, previewAllowPrivate: true } });
    }
  });

  it("the preview token is read-only: the ticket service's write endpoint, the SDK's action and run verifiers and Gatehouse's redeem refuse it", async () => {
    let token = "";
    let body: { args?: Record<string, unknown> } = {};
    const capture = http.createServer((req, res) => {
      token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
      let raw = "";
      req.on("data", (c: Buffer) => (raw += c.toString()));
      req.on("end", () => {
        body = JSON.parse(raw);
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ before: { status: "open" }, after: { status: "closed" } }));
      });
    });
    await new Promise<void>((r) => capture.listen(0, "127.0.0.1", r));
    await db().tool.update({ where: { name: "ticket.close" }, data: { previewUrl: `http://127.0.0.1:${(capture.address() as { port: number }).port}/p` } });
    try {
      const args = { ticket_id: "T-18421", resolution: "done" };
      const id = await propose("ticket.close", args);
      await requestPreview(id);
      expect(token).toMatch(/^eyJ/);
      expect(body.args).toEqual(args);
      const opts = { jwks: await publicJwks(), issuer: env().GATEHOUSE_ISSUER, audience: env().GATEHOUSE_AUDIENCE, tenant: "acme", env: "prod" };
      // What it is for: a read, scoped to this tenant, environment, tool and the body's args.
      const claims = await verifyPreviewToken(token, { ...opts, tool: "ticket.close", args });
      expect(claims).toMatchObject({ action_id: id, tenant: "acme", env: "prod", tool: "ticket.close", scope: "preview:read", aud: `${env().GATEHOUSE_AUDIENCE}/preview` });
      expect(claims.exp - claims.iat).toBeLessThanOrEqual(60);
      await expect(verifyPreviewToken(token, { ...opts, tenant: "globex", tool: "ticket.close", args })).rejects.toMatchObject({ code: "wrong_tenant" });
      await expect(verifyPreviewToken(token, { ...opts, tool: "ticket.close", args: { ...args, ticket_id: "T-1" } })).rejects.toMatchObject({ code: "args_mismatch" });
      // What it is never for: a write.
      await expect(verifyActionToken(token, { ...opts, tool: "ticket.close", args })).rejects.toBeInstanceOf(CapabilityError);
      await expect(verifyActionToken(token, { ...opts, tool: "ticket.close", args })).rejects.toMatchObject({ code: "wrong_typ" });
      await expect(verifyRunToken(token, { ...opts, tool: "tickets.get" })).rejects.toMatchObject({ code: "wrong_typ" });
      const write = await fetch(`${svc.url}/tools/ticket.close`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(args),
      });
      expect(write.status).toBe(403);
      expect(await write.json()).toEqual({ error: "wrong_typ" });
      expect(svc.tickets.get("T-18421")?.status).not.toBe("closed");
      const redeem = await fetch(`${server.url}/api/v1/tokens/redeem`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token, tool: "ticket.close", args }),
      });
      expect(redeem.status).toBeGreaterThanOrEqual(400);
      expect(redeem.status).toBeLessThan(500);
      expect((await db().action.findUniqueOrThrow({ where: { id } })).redeemedAt).toBeNull();
    } finally {
      capture.closeAllConnections();
      await new Promise((r) => capture.close(r));
      await db().tool.update({ where: { name: "ticket.close" }, data: { previewUrl: `${svc.url}/preview/ticket.close` } });
    }
  });

  it("the request and its result are audited (the jti, never the token); a claimed preview is asked once", async () => {
    const id = await propose("ticket.close", { ticket_id: "T-18421" });
    const [a, b] = await Promise.all([requestPreview(id), requestPreview(id)]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    const events = await db().auditEvent.findMany({ where: { actionId: id }, orderBy: { seq: "asc" } });
    const requested = events.find((e) => e.type === "preview.requested")!;
    const answered = events.find((e) => e.type === "preview.answered")!;
    expect(requested).toMatchObject({ actorType: "system", status: "running", tool: "ticket.close", tenantId: "acme" });
    expect(requested.jti).toMatch(/^pvw_/);
    expect(JSON.parse(requested.data)).toMatchObject({ endpoint: `${svc.url}/preview/ticket.close`, allow_private: true });
    expect(answered).toMatchObject({ status: "ok", jti: requested.jti });
    expect(answered.seq).toBeGreaterThan(requested.seq);
    expect(events.filter((e) => e.type === "preview.requested")).toHaveLength(1);
    expect(JSON.stringify(await db().auditEvent.findMany())).not.toMatch(/"eyJ[A-Za-z0-9_-]{10,}\./);
  });

  it("an action decided before the worker got to it is not asked about", async () => {
    const before = svc.previews.length;
    const id = await propose("ticket.close", { ticket_id: "T-18421" });
    await db().action.update({ where: { id }, data: { status: "cancelled" } });
    expect(await requestPreview(id)).toBe(true);
    expect(await card(id)).toMatchObject({ service: { status: "failed", error: "Not asked: the action was cancelled first." } });
    expect(svc.previews.length).toBe(before);
    expect(await db().auditEvent.count({ where: { actionId: id, type: "preview.requested" } })).toBe(0);
  });

  it("a tool without a preview endpoint has none; removing the endpoint applies at once (it only stops the requests)", async () => {
    const id = await propose("email.send", { ticket_id: "T-1", to: "jane@example.com", subject: "Hi", body: "Hello" });
    expect((await card(id)).service).toEqual({ status: "none" });
    const r = await saveTool({ entry: { ...entryOf("refund.create"), preview: null }, mode: "update", actorId: admin1 });
    expect(r.status).toBe("saved");
  });
});
