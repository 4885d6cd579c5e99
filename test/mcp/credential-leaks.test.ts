/**
 * The upstream credential never reaches the agent, the server log or the server itself as code: an upstream
 * that echoes it (in a result, with result redaction on or off; in an HTTP error body), and a stdio upstream
 * whose "credential" names an environment variable that would run code (NODE_OPTIONS). Real HTTP, a
 * hand-written upstream that controls every byte, the demo upstream over stdio.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { freshDemoDb } from "../support/demo-db";
import { startAgentServer } from "../support/agent-server";
import { setPolicy } from "../support/fixtures";
import { db } from "@/lib/db/client";
import { seal } from "@/lib/crypto/seal";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { approveMcpChange, requestMcpChange, setUpstreamCredential, syncUpstreamTools } from "@/lib/mcp/upstreams";
import { closeUpstreamConnections } from "@/lib/mcp/upstream-client";
import { tsxNodeArgs } from "@/scripts/tsx-node-args";
import { classify } from "./support";

// Neither matches a secret pattern: only an exact match can mask them.
const CRED = "upstream-cred-acme-prod-7f3a9c1e5b2d";
const KEYED = "k3y-acme-0b1d2f3e4a5c";

async function startEchoUpstream() {
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (req.method !== "POST") return void res.writeHead(405).end();
      if (req.url === "/echo401") return void res.writeHead(401, { "content-type": "text/plain" }).end(`invalid credential ${req.headers.authorization?.replace("Bearer ", "")}`);
      const msg = JSON.parse(body) as { id?: number; method: string };
      if (msg.id === undefined) return void res.writeHead(202).end();
      const send = (result: unknown) =>
        res.writeHead(200, { "content-type": "application/json", "mcp-session-id": "s1" }).end(JSON.stringify({ jsonrpc: "2.0", id: msg.id, result }));
      if (msg.method === "initialize") return send({ protocolVersion: "2025-06-18", capabilities: { tools: {} }, serverInfo: { name: "echo", version: "1" } });
      if (msg.method === "tools/list")
        return send({ tools: [{ name: "whoami", description: "Who am I.", inputSchema: { type: "object", properties: {} }, annotations: { readOnlyHint: true } }] });
      const auth = req.headers.authorization ?? "";
      const key = String(req.headers["x-api-key"] ?? "");
      return send({
        content: [{ type: "text", text: `Authenticated as ${auth}; token ${auth.replace("Bearer ", "")}; key ${key}` }],
        structuredContent: { [auth.replace("Bearer ", "")]: { token: auth, key } },
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

let cleanup: () => Promise<void>;
let server: { url: string; close: () => Promise<void> };
let up: Awaited<ReturnType<typeof startEchoUpstream>>;
let admin1: string, admin2: string;
const acme = DEMO_AGENTS.find((a) => a.name === "acme-support")!;
const H = { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-06-18" };
const marker = path.join(os.tmpdir(), `gh-stdio-env-${process.pid}`);

async function raw(body: unknown, session?: string) {
  const res = await fetch(`${server.url}/mcp/support/send`, {
    method: "POST",
    headers: { ...H, authorization: `Bearer ${acme.key}`, ...(session ? { "mcp-session-id": session } : {}) },
    body: JSON.stringify(body),
  });
  return { text: await res.text(), session: res.headers.get("mcp-session-id") };
}
let rpc = 1;
async function callWhoami(): Promise<string> {
  const s = (await raw({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "a", version: "1" } } }))
    .session!;
  return (await raw({ jsonrpc: "2.0", id: rpc++, method: "tools/call", params: { name: "echo.whoami", arguments: {} } }, s)).text;
}

async function register(change: Record<string, unknown>) {
  const { requestSeq } = await requestMcpChange({ change: { op: "register", timeout_ms: 8000, ...change }, actorId: admin1 });
  await approveMcpChange({ requestSeq, actorId: admin2 });
  return db().mcpUpstream.findUniqueOrThrow({ where: { name: change.name as string } });
}

beforeAll(async () => {
  process.env.GATEHOUSE_MCP_RESYNC_MS = "3600000";
  process.env.GATEHOUSE_MCP_STDIO = JSON.stringify({
    demo_stdio: { command: process.execPath, args: [...tsxNodeArgs, "examples/mcp-upstream.ts", "--stdio"] },
    keyed_stdio: { command: process.execPath, args: [...tsxNodeArgs, "examples/mcp-upstream.ts", "--stdio"], credential_env: ["AUTHORIZATION", "X_API_KEY"] },
  });
  ({ cleanup } = await freshDemoDb());
  const id = async (email: string) => (await db().user.findUniqueOrThrow({ where: { email } })).id;
  [admin1, admin2] = [await id("admin@gatehouse.local"), await id("admin2@gatehouse.local")];
  up = await startEchoUpstream();
  const u = await register({ name: "echo", transport: "http", url: `${up.base}/mcp` });
  await setUpstreamCredential({ upstreamId: u.id, actorId: admin1, body: { tenant: "acme", env: "prod", bearer: CRED, headers: { "X-Api-Key": KEYED } } });
  await syncUpstreamTools(u, { tenantId: "acme", env: "prod" }, { actorType: "user", actorId: admin1 });
  await classify("echo.whoami", "read", admin1, admin2);
  await setPolicy("support/send", (p) => ({ ...p, allow_tools: [...(p.allow_tools as string[]), "echo.whoami"] }));
  server = await startAgentServer();
}, 60_000);
afterAll(async () => {
  fs.rmSync(marker, { force: true });
  await closeUpstreamConnections();
  await server.close();
  await up.close();
  await cleanup();
});

describe("the upstream credential", () => {
  it("echoed in a result never reaches the agent, with result redaction on and off (the token alone, the whole header, as a key)", async () => {
    const on = await callWhoami();
    expect(on).toContain("Authenticated as");
    expect(on).toContain("[REDACTED]");
    // Turning redaction off (two admins) keeps the output byte-exact except for the tenant's own credential.
    const { requestSeq } = await requestMcpChange({ change: { op: "redaction_off", tool: "echo.whoami" }, actorId: admin1 });
    await approveMcpChange({ requestSeq, actorId: admin2 });
    const off = await callWhoami();
    expect(off).toContain("Authenticated as [REDACTED]; token [REDACTED]; key [REDACTED]");
    for (const body of [on, off]) {
      expect(body).not.toContain(CRED);
      expect(body).not.toContain(KEYED);
    }
    // What action_status and tasks/result would serve later is the same masked answer.
    const sealedRows = await db().mcpPendingCall.count();
    expect(sealedRows).toBe(0); // an allowed read keeps no sealed answer
  });

  it("never sits in an upstream's URL, which is stored and audited in plain text: a URL with a user or password is refused", async () => {
    const before = await db().auditEvent.count();
    for (const url of [`http://svc:${CRED}@127.0.0.1:9/mcp`, `https://${CRED}@mcp.example/mcp`]) {
      const err = await requestMcpChange({ change: { op: "register", name: "userinfo", transport: "http", url }, actorId: admin1 }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "validation_failed", issues: [{ path: "url", message: expect.stringContaining("no user or password") }] });
    }
    expect(await db().auditEvent.count()).toBe(before);
  });

  it("echoed in an upstream's HTTP error body is masked in the server log", async () => {
    const u = await register({ name: "echo401", transport: "http", url: `${up.base}/echo401`, timeout_ms: 1500 });
    await setUpstreamCredential({ upstreamId: u.id, actorId: admin1, body: { tenant: "acme", env: "prod", bearer: CRED } });
    const logged: string[] = [];
    const orig = console.error;
    console.error = (...a: unknown[]) => void logged.push(a.map(String).join(" "));
    try {
      await expect(syncUpstreamTools(u, { tenantId: "acme", env: "prod" }, { actorType: "user", actorId: admin1 })).rejects.toThrow();
    } finally {
      console.error = orig;
    }
    expect(logged.join("\n")).toContain("mcp upstream echo401 tools/list failed");
    expect(logged.join("\n")).not.toContain(CRED);
  });

  it("for a stdio upstream sets only the variables its server configuration lists: NODE_OPTIONS is refused when set and never reaches a process", async () => {
    const u = await register({ name: "local", transport: "stdio", stdio_command: "demo_stdio" });
    fs.rmSync(marker, { force: true });
    const code = `--import=data:text/javascript,import{writeFileSync}from'node:fs';writeFileSync(${JSON.stringify(marker)},'ran')`;
    const err = await setUpstreamCredential({ upstreamId: u.id, actorId: admin1, body: { tenant: "globex", env: "dev", headers: { "NODE-OPTIONS": code } } }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: "validation_failed", issues: [{ path: "headers.NODE-OPTIONS", message: "NODE_OPTIONS is not in credential_env" }] });
    expect(await db().mcpUpstreamCredential.count({ where: { upstreamId: u.id } })).toBe(0);
    // A credential stored before this rule (written directly, sealed as the product seals it) is refused at spawn.
    await db().mcpUpstreamCredential.create({
      data: {
        upstreamId: u.id,
        tenantId: "globex",
        env: "dev",
        updatedBy: admin1,
        sealedHeaders: seal(JSON.stringify({ "NODE-OPTIONS": code }), `mcp-credential:${u.id}:globex:dev`),
      },
    });
    await expect(syncUpstreamTools(u, { tenantId: "globex", env: "dev" }, { actorType: "user", actorId: admin1 })).rejects.toThrow();
    expect(fs.existsSync(marker)).toBe(false);
    // The bearer token (AUTHORIZATION, the default) is accepted and the stdio server starts with it.
    await setUpstreamCredential({ upstreamId: u.id, actorId: admin1, body: { tenant: "acme", env: "prod", bearer: "demo-stdio-token-123" } });
    const tools = await syncUpstreamTools(u, { tenantId: "acme", env: "prod" }, { actorType: "user", actorId: admin1 });
    expect(tools).toBeTruthy();
    expect(fs.existsSync(marker)).toBe(false);
  }, 60_000);

  it("a stdio command that lists more variables (credential_env) accepts exactly those", async () => {
    const u = await register({ name: "keyed", transport: "stdio", stdio_command: "keyed_stdio" });
    await setUpstreamCredential({ upstreamId: u.id, actorId: admin1, body: { tenant: "acme", env: "prod", headers: { "X-Api-Key": KEYED } } });
    const err = await setUpstreamCredential({ upstreamId: u.id, actorId: admin1, body: { tenant: "acme", env: "prod", headers: { Path: "/tmp/evil" } } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "validation_failed", issues: [{ path: "headers.Path", message: "PATH is not in credential_env" }] });
  });
});
