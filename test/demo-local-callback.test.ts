import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "./support/demo-db";
import { startAgentServer } from "./support/agent-server";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { formatDemoNotice } from "../scripts/prepare-data";
import { seedDemo } from "@/lib/seed/seed-demo";
import { deliverDue } from "@/lib/webhooks/deliver";
import { GatehouseAgent, verifyCallback } from "@gatehouse-dev/sdk";

// The documented local-callback path (README "Callbacks on your machine"): in demo mode the
// acme-dev-callbacks agent may target a loopback callback, signed with the secret the demo notice
// prints; every other agent is refused such a URL. Production never seeds it and refuses to start
// while it is live: test/security/production-demo-data.test.ts (it covers every DEMO_AGENTS entry).
const cbAgent = DEMO_AGENTS.find((a) => a.name === "acme-dev-callbacks")!;
const support = DEMO_AGENTS.find((a) => a.name === "acme-support")!;
let cleanup: () => Promise<void>;
let server: { url: string; close: () => Promise<void> };
let receiver: http.Server;
let cbUrl: string;
const got: { headers: http.IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  server = await startAgentServer();
  receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      got.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  cbUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/gatehouse-callback`;
});
afterAll(async () => {
  receiver.close();
  await server.close();
  await cleanup();
});

describe("local callbacks in demo mode", () => {
  it("the demo notice prints the callback agent's secret and its loopback allowlist", async () => {
    const notice = formatDemoNotice({ ...(await seedDemo()), firstRun: true });
    expect(notice).toContain(cbAgent.key);
    expect(notice).toContain(cbAgent.callbackSecret!);
    expect(notice).toMatch(/callbacks to 127\.0\.0\.1, ::1, localhost allowed \(demo only\)/);
  });

  it("acme-dev-callbacks may propose with a loopback callback_url; it is delivered and verifies with the printed secret", async () => {
    const agent = new GatehouseAgent({ baseUrl: server.url, apiKey: cbAgent.key });
    const run = await agent.startRun("support/send");
    const p = await agent.propose({ run_id: run.run_id, tool: "ticket.close", args: { ticket_id: "T-1", resolution: "done" }, idempotency_key: "cb-1", callback_url: cbUrl });
    expect(p.status).toBe("pending");
    if (p.status === "denied") return;
    await agent.cancel(p.action_id);
    expect(await deliverDue()).toBeGreaterThanOrEqual(1);
    const last = got.at(-1)!;
    const headers = Object.fromEntries(Object.entries(last.headers).map(([k, v]) => [k, String(v)]));
    const payload = verifyCallback(last.body, headers, cbAgent.callbackSecret!);
    expect(payload).toMatchObject({ type: "action.cancelled", data: { action_id: p.action_id } });
    expect(() => verifyCallback(last.body, headers, "whsec_" + Buffer.alloc(32, 1).toString("base64"))).toThrow();
  });

  it("any other demo agent is refused the same loopback callback_url (422, nothing created)", async () => {
    const agent = new GatehouseAgent({ baseUrl: server.url, apiKey: support.key });
    const run = await agent.startRun("support/send");
    const res = await fetch(`${server.url}/api/v1/actions`, {
      method: "POST",
      headers: { authorization: `Bearer ${support.key}`, "content-type": "application/json" },
      body: JSON.stringify({ run_id: run.run_id, tool: "ticket.close", args: { ticket_id: "T-1", resolution: "done" }, idempotency_key: "cb-2", callback_url: cbUrl }),
    });
    expect(res.status).toBe(422);
    expect(JSON.stringify(await res.json())).toMatch(/allowlist/);
  });
});
