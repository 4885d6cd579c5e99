import Ajv2020 from "ajv/dist/2020";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "./support/demo-db";
import { startAgentServer } from "./support/agent-server";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { buildOpenApi } from "@/lib/api/openapi";

// The API document is the wire: every operation is called on a real HTTP server (the product's own
// route table, real SQLite) for every status it documents that a test can reach, and each body is
// validated against the document's schema for that operation and status. A documented status not
// reached fails the last test, unless it is listed in UNREACHABLE with the reason.
type Doc = ReturnType<typeof buildOpenApi>;
type Op = { operationId: string; responses: Record<string, unknown> };
const doc = buildOpenApi() as unknown as Omit<Doc, "paths"> & { paths: Record<string, Record<string, Op>> };
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema(doc as object, "doc");

const UNREACHABLE: Record<string, string> = {
  "*:503": "needs the store to fail mid-request (test/db-unavailable covers the envelope via toErrorBody)",
  "refreshRunToken:403": "needs a run's budget used up; test/runs.test.ts covers it",
  "redeemToken:429": "needs a minute's worth of refused redemptions; test/security/redeem-flood.test.ts covers it",
};

const hit = new Set<string>();
let cleanup: () => Promise<void>;
let server: { url: string; close: () => Promise<void> };
const key = DEMO_AGENTS.find((a) => a.name === "acme-support")!.key;

const esc = (s: string) => s.replaceAll("~", "~0").replaceAll("/", "~1");

/** The operation for a concrete path and method, with its template. */
function operation(method: string, path: string) {
  const bare = path.split("?")[0]!;
  for (const [template, ops] of Object.entries(doc.paths)) {
    const re = new RegExp("^" + template.replace(/\{[^}]+\}/g, "[^/]+").replaceAll(".", "\\.") + "$");
    if (re.test(bare) && ops[method]) return { template, op: ops[method]! };
  }
  throw new Error(`${method.toUpperCase()} ${bare} is not in the document`);
}

/** Call, then validate the body against the document; returns the parsed body. */
async function call(
  method: string,
  path: string,
  expected: number,
  init: { body?: string | object; key?: string | null; headers?: Record<string, string>; documentedOn?: string } = {},
): Promise<unknown> {
  const res = await fetch(server.url + path, {
    method: method.toUpperCase(),
    headers: {
      ...(init.key === null ? {} : { authorization: `Bearer ${init.key ?? key}` }),
      ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body),
  });
  const text = await res.text();
  expect(res.status, `${method} ${path}: ${text.slice(0, 300)}`).toBe(expected);
  const { template, op } = operation(init.documentedOn ?? method, path);
  method = init.documentedOn ?? method;
  let response = op.responses[String(expected)] as { $ref?: string; content?: Record<string, unknown> } | undefined;
  expect(response, `${op.operationId} documents no ${expected}`).toBeDefined();
  let pointer = `doc#/paths/${esc(template)}/${method}/responses/${expected}`;
  if (response!.$ref) {
    pointer = `doc${response!.$ref}`;
    response = (doc.components.responses as Record<string, typeof response>)[response!.$ref.split("/").pop()!];
  }
  const body = text ? (JSON.parse(text) as unknown) : undefined;
  if (response!.content) {
    const validate = ajv.getSchema(`${pointer}/content/application~1json/schema`)!;
    expect(validate(body), `${op.operationId} ${expected} drifted from the document: ${ajv.errorsText(validate.errors)}\n${text.slice(0, 500)}`).toBe(true);
  }
  hit.add(`${op.operationId}:${expected}`);
  return body;
}

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  server = await startAgentServer();
});
afterAll(async () => {
  await server.close();
  await cleanup();
});

const big = JSON.stringify({ route: "x".repeat(70 * 1024) });

describe("every operation × every reachable status validates against the document", () => {
  let draftRun = "";
  let sendRun = "";
  let allowed: { action_id: string; token: string } = { action_id: "", token: "" };
  let pending = "";

  it("startRun, refreshRunToken, listTools", async () => {
    draftRun = ((await call("post", "/api/v1/runs", 201, { body: { route: "support/draft" } })) as { run_id: string }).run_id;
    sendRun = ((await call("post", "/api/v1/runs", 201, { body: { route: "support/send" } })) as { run_id: string }).run_id;
    await call("post", "/api/v1/runs", 400, { body: "{not json" });
    await call("post", "/api/v1/runs", 401, { body: { route: "support/draft" }, key: "gh_nope" });
    await call("post", "/api/v1/runs", 403, { body: { route: "research" } });
    await call("post", "/api/v1/runs", 413, { body: big });
    await call("post", "/api/v1/runs", 422, { body: {} });
    await call("post", `/api/v1/runs/${draftRun}/token`, 200);
    await call("post", "/api/v1/runs/run_nope/token", 404);
    await call("post", `/api/v1/runs/${draftRun}/token`, 401, { key: null });
    await call("get", "/api/v1/tools", 200);
    await call("get", `/api/v1/tools?run_id=${sendRun}`, 200);
    await call("get", "/api/v1/tools?run_id=run_nope", 404);
    await call("get", "/api/v1/tools?x=1", 422);
    await call("get", "/api/v1/tools", 401, { key: null });
  });

  it("proposeAction, getAction, cancelAction", async () => {
    const draft = { run_id: draftRun, tool: "email.draft", args: { ticket_id: "T-1", to: "c@example.com", subject: "Re", body: "Hello" }, idempotency_key: "conf-1" };
    allowed = (await call("post", "/api/v1/actions", 200, { body: draft })) as typeof allowed;
    await call("post", "/api/v1/actions", 200, { body: draft }); // idempotent replay
    const denied = (await call("post", "/api/v1/actions", 403, { body: { ...draft, tool: "email.send", idempotency_key: "conf-2" } })) as {
      error: { code: string; reason: string };
    };
    expect(denied.error).toMatchObject({ code: "denied", status: "denied" });
    pending = (
      (await call("post", "/api/v1/actions", 202, {
        body: { run_id: sendRun, tool: "ticket.close", args: { ticket_id: "T-2", resolution: "done" }, idempotency_key: "conf-3" },
      })) as { action_id: string }
    ).action_id;
    await call("post", "/api/v1/actions", 404, { body: { ...draft, run_id: "run_nope", idempotency_key: "conf-4" } });
    await call("post", "/api/v1/actions", 400, { body: { ...draft, tenant: "globex" } });
    await call("post", "/api/v1/actions", 413, { body: big });
    await call("post", "/api/v1/actions", 422, { body: { run_id: draftRun } });
    await call("post", "/api/v1/actions", 401, { body: draft, key: "gh_nope" });
    await call("get", `/api/v1/actions/${pending}`, 200);
    await call("get", `/api/v1/actions/${pending}?wait=99`, 422);
    await call("get", "/api/v1/actions/act_nope", 404);
    await call("get", `/api/v1/actions/${pending}`, 401, { key: null });
    await call("post", `/api/v1/actions/${pending}/cancel`, 200);
    await call("post", `/api/v1/actions/${pending}/cancel`, 409);
    await call("post", "/api/v1/actions/act_nope/cancel", 404);
    await call("post", `/api/v1/actions/${pending}/cancel`, 401, { key: null });
  });

  it("redeemToken, reportResult", async () => {
    const args = { ticket_id: "T-1", to: "c@example.com", subject: "Re", body: "Hello" };
    await call("post", "/api/v1/tokens/redeem", 403, { body: { token: allowed.token, tool: "email.draft", args: { ...args, body: "other" } }, key: null });
    await call("post", "/api/v1/tokens/redeem", 200, { body: { token: allowed.token, tool: "email.draft", args }, key: null });
    await call("post", "/api/v1/tokens/redeem", 409, { body: { token: allowed.token, tool: "email.draft", args }, key: null });
    await call("post", "/api/v1/tokens/redeem", 400, { body: "{", key: null });
    await call("post", "/api/v1/tokens/redeem", 413, { body: big, key: null });
    await call("post", "/api/v1/tokens/redeem", 422, { body: { token: "" }, key: null });
    await call("post", `/api/v1/actions/${allowed.action_id}/result`, 201, { body: { status: "ok", duration_ms: 12 } });
    await call("post", `/api/v1/actions/${allowed.action_id}/result`, 409, { body: { status: "ok", duration_ms: 12 } });
    await call("post", "/api/v1/actions/act_nope/result", 404, { body: { status: "ok", duration_ms: 1 } });
    await call("post", `/api/v1/actions/${allowed.action_id}/result`, 400, { body: "{" });
    await call("post", `/api/v1/actions/${allowed.action_id}/result`, 413, { body: big });
    await call("post", `/api/v1/actions/${allowed.action_id}/result`, 422, { body: { status: "maybe" } });
    await call("post", `/api/v1/actions/${allowed.action_id}/result`, 401, { body: { status: "ok", duration_ms: 1 }, key: null });
  });

  it("listRevocations, getJwks, getOpenApi (and 405 for another method)", async () => {
    await call("get", "/api/v1/tokens/revocations", 200, { key: null });
    await call("get", "/.well-known/jwks.json", 200, { key: null });
    await call("get", "/api/v1/openapi.json", 200, { key: null });
    await call("post", "/api/v1/tokens/revocations", 405, { key: null, documentedOn: "get" });
    await call("post", "/.well-known/jwks.json", 405, { key: null, documentedOn: "get" });
    await call("post", "/api/v1/openapi.json", 405, { key: null, documentedOn: "get" });
  });

  it("the validator is not vacuous: the old top-level denial shape and a redeem receipt missing a field are rejected", () => {
    const denied = ajv.getSchema("doc#/components/schemas/DeniedError")!;
    expect(denied({ status: "denied", reason_code: "tool_denied", message: "no", request_id: "r" })).toBe(false);
    const receipt = ajv.getSchema("doc#/components/schemas/RedeemReceipt")!;
    expect(receipt({ action_id: "a", tenant: "acme", env: "prod", tool: "t", args_hash: "sha256:00" })).toBe(false);
  });

  it("every documented status was reached, or is listed as unreachable with a reason", () => {
    const missing: string[] = [];
    for (const ops of Object.values(doc.paths))
      for (const op of Object.values(ops))
        for (const status of Object.keys(op.responses)) {
          const k = `${op.operationId}:${status}`;
          if (!hit.has(k) && !UNREACHABLE[k] && !UNREACHABLE[`*:${status}`]) missing.push(k);
        }
    expect(missing).toEqual([]);
    expect(hit.size).toBeGreaterThanOrEqual(48);
  });
});
