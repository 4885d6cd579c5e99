import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "./support/demo-db";
import { startAgentServer } from "./support/agent-server";
import { db } from "@/lib/db/client";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { revokeCredential, createCredential } from "@/lib/agents/create-credential";

let cleanup: () => Promise<void>;
let server: { url: string; close: () => Promise<void> };
const pick = (tenant: string, env: string) => DEMO_AGENTS.find((a) => a.tenant === tenant && a.env === env && a.routes.includes("support/send"))!;
const acme = pick("acme", "prod");
const acmeStaging = pick("acme", "staging");
const globex = pick("globex", "prod");

async function call(method: string, path: string, key: string | null, body?: unknown, raw?: string, headers: Record<string, string> = {}) {
  const res = await fetch(server.url + path, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined || raw ? { "content-type": "application/json" } : {}), ...headers },
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, any>, headers: res.headers };
}

let runId: string;
beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  server = await startAgentServer();
  runId = (await call("POST", "/api/v1/runs", acme.key, { route: "support/send" })).body.run_id;
});
afterAll(async () => {
  await server.close();
  await cleanup();
});

const auditCount = () => db().auditEvent.count();

describe("agent API: bad input changes nothing and gets a clear error", () => {
  it("malformed JSON is 400 with a request id", async () => {
    const before = await auditCount();
    const r = await call("POST", "/api/v1/actions", acme.key, undefined, "{not json");
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("bad_json");
    expect(r.body.error.request_id).toBe(r.headers.get("x-request-id"));
    expect(await auditCount()).toBe(before);
  });

  it("schema violations are 422 with field paths", async () => {
    const r = await call("POST", "/api/v1/actions", acme.key, { run_id: runId, tool: 5, args: [] });
    expect(r.status).toBe(422);
    const paths = r.body.error.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(expect.arrayContaining(["tool", "args", "idempotency_key"]));
  });

  it("bodies over 64 KB are 413", async () => {
    const r = await call("POST", "/api/v1/actions", acme.key, { run_id: runId, tool: "kb.search", args: { query: "x".repeat(70_000) }, idempotency_key: "big" });
    expect(r.status).toBe(413);
  });

  it.each([["tenant"], ["env"], ["tenant_id"], ["environment"]])("a body naming %s is refused with 400", async (field) => {
    const before = await auditCount();
    const r = await call("POST", "/api/v1/actions", acme.key, { run_id: runId, tool: "kb.search", args: { query: "q" }, idempotency_key: `t-${field}`, [field]: "globex" });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("forbidden_field");
    expect(await auditCount()).toBe(before);
    const r2 = await call("POST", "/api/v1/runs", acme.key, { route: "support/send", [field]: "globex" });
    expect(r2.status).toBe(400);
  });

  it("arguments that break the tool's schema are 422 and never pending", async () => {
    const r = await call("POST", "/api/v1/actions", acme.key, { run_id: runId, tool: "ticket.close", args: { ticket_id: 12 }, idempotency_key: "bad-args" });
    expect(r.status).toBe(422);
    expect(r.body.error.reason).toBe("invalid_args");
    expect(await db().action.count({ where: { idempotencyKey: "bad-args" } })).toBe(0);
  });

  it("unknown routes and tools are denied and audited", async () => {
    const r = await call("POST", "/api/v1/runs", acme.key, { route: "admin/everything" });
    expect(r.status).toBe(403);
    expect(r.body.error.reason).toBe("route_not_permitted");
    const t = await call("POST", "/api/v1/actions", acme.key, { run_id: runId, tool: "admin.tool", args: {}, idempotency_key: "unknown-tool" });
    expect(t.status).toBe(403);
    expect(t.body.error.reason).toBe("unknown_tool");
    const ev = await db().auditEvent.findFirst({ where: { tool: "admin.tool" }, orderBy: { seq: "desc" } });
    expect(ev).toMatchObject({ status: "denied", reason: "unknown_tool", tenantId: "acme", env: "prod" });
  });

  it("unknown, malformed and revoked keys are 401", async () => {
    expect((await call("POST", "/api/v1/runs", null, { route: "support/send" })).status).toBe(401);
    expect((await call("POST", "/api/v1/runs", "gh_000000000000_" + "A".repeat(43), { route: "support/send" })).status).toBe(401);
    expect((await call("POST", "/api/v1/runs", "not-a-key", { route: "support/send" })).status).toBe(401);
    const { id, key } = await createCredential({ name: "to-revoke", tenantId: "acme", env: "prod", routes: ["support/send"] });
    expect((await call("POST", "/api/v1/runs", key, { route: "support/send" })).status).toBe(201);
    await revokeCredential(id, null);
    expect((await call("POST", "/api/v1/runs", key, { route: "support/send" })).status).toBe(401);
  });

  it("another tenant's or environment's action id is 404 and leaks nothing", async () => {
    const p = await call("POST", "/api/v1/actions", acme.key, { run_id: runId, tool: "ticket.close", args: { ticket_id: "T-1" }, idempotency_key: "mine" });
    expect(p.status).toBe(202);
    const id = p.body.action_id as string;
    for (const other of [globex, acmeStaging]) {
      const r = await call("GET", `/api/v1/actions/${id}`, other.key);
      expect(r.status).toBe(404);
      expect(JSON.stringify(r.body)).not.toContain("ticket");
      const missing = await call("GET", `/api/v1/actions/act_doesnotexist`, other.key);
      expect(missing.body.error.message).toBe(r.body.error.message);
      expect((await call("POST", `/api/v1/actions/${id}/cancel`, other.key)).status).toBe(404);
    }
    const otherRun = await call("POST", "/api/v1/actions", globex.key, { run_id: runId, tool: "kb.search", args: { query: "q" }, idempotency_key: "steal-run" });
    expect(otherRun.status).toBe(404);
  });

  it("the token goes only to the credential that proposed the action", async () => {
    const p = await call("POST", "/api/v1/actions", acme.key, { run_id: runId, tool: "kb.search", args: { query: "refund policy" }, idempotency_key: "read-1" });
    expect(p.status).toBe(200);
    expect(p.body.status).toBe("allowed");
    expect(p.body.token).toBeTruthy();
    const sibling = await createCredential({ name: "sibling", tenantId: "acme", env: "prod", routes: ["support/send"] });
    const seen = await call("GET", `/api/v1/actions/${p.body.action_id}`, sibling.key);
    expect(seen.status).toBe(200);
    expect(seen.body.token).toBeUndefined();
    const own = await call("GET", `/api/v1/actions/${p.body.action_id}`, acme.key);
    expect(own.body.token).toBe(p.body.token);
  });

  it("idempotency: same key and args → same action; other args → 422", async () => {
    const body = { run_id: runId, tool: "ticket.close", args: { ticket_id: "T-9" }, idempotency_key: "idem-1" };
    const a = await call("POST", "/api/v1/actions", acme.key, body);
    const b = await call("POST", "/api/v1/actions", acme.key, body);
    expect(b.body.action_id).toBe(a.body.action_id);
    const c = await call("POST", "/api/v1/actions", acme.key, { ...body, args: { ticket_id: "T-10" } });
    expect(c.status).toBe(422);
    expect(c.body.error.code).toBe("idempotency_mismatch");
  });

  it("duplicate JSON keys, prototype keys and NUL bytes are refused", async () => {
    const dup = await call("POST", "/api/v1/actions", acme.key, undefined, `{"run_id":"${runId}","tool":"kb.search","tool":"db.write","args":{},"idempotency_key":"d"}`);
    expect(dup.status).toBe(400);
    const proto = await call("POST", "/api/v1/actions", acme.key, undefined, `{"run_id":"${runId}","tool":"kb.search","args":{"__proto__":{"admin":true}},"idempotency_key":"p"}`);
    expect(proto.status).toBe(400);
    const nul = await call("POST", "/api/v1/actions", acme.key, undefined, `{"run_id":"${runId}","tool":"kb.search\\u0000","args":{},"idempotency_key":"n"}`);
    expect(nul.status).toBe(400);
  });

  it("long-poll returns pending at its deadline and rejects a wait over 55", async () => {
    const p = await call("POST", "/api/v1/actions", acme.key, { run_id: runId, tool: "ticket.close", args: { ticket_id: "T-77" }, idempotency_key: "lp" });
    const t0 = Date.now();
    const r = await call("GET", `/api/v1/actions/${p.body.action_id}?wait=1`, acme.key);
    expect(r.body.status).toBe("pending");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect((await call("GET", `/api/v1/actions/${p.body.action_id}?wait=56`, acme.key)).status).toBe(422);
  });

  it("the OpenAPI document covers every endpoint", async () => {
    const r = await call("GET", "/api/v1/openapi.json", null);
    expect(r.body.openapi).toBe("3.1.0");
    expect(Object.keys(r.body.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/runs",
        "/api/v1/runs/{id}/token",
        "/api/v1/actions",
        "/api/v1/actions/{id}",
        "/api/v1/actions/{id}/cancel",
        "/api/v1/actions/{id}/result",
        "/api/v1/tokens/redeem",
        "/api/v1/tools",
        "/.well-known/jwks.json",
      ]),
    );
    expect(r.body.paths["/api/v1/actions"].post.requestBody.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/ProposeActionInput" });
    expect(r.body.components.schemas.ProposeActionInput.properties.idempotency_key).toBeTruthy();
  });
});
