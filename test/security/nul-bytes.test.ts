import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "../support/demo-db";
import { startAgentServer } from "../support/agent-server";
import { call, demoAgent, stateCounts } from "./helpers";
import { signIn, startConsoleServer, type ConsoleServer } from "./console-server";
import { makeUser } from "../support/fixtures";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";

// A NUL byte is valid in a URL escape, a JSON string read elsewhere or a header,
// and SQLite stores it; PostgreSQL's text cannot (SQLSTATE 22021), and the
// driver's error used to surface as a 500. Every such request is the caller's
// mistake: a clear 4xx, nothing changed. (The fuzz suite found it on PostgreSQL.)

const acme = demoAgent("acme", "prod", "support/send");
let cleanup: () => Promise<void>;
let server: { url: string; close: () => Promise<void> };
let runId: string;

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  server = await startAgentServer();
  runId = (await call(server.url, "POST", "/api/v1/runs", acme.key, { route: "support/send" })).body.run_id;
});
afterAll(async () => {
  await server.close();
  await cleanup();
});

describe("a NUL byte anywhere the agent API reads an id or a name", () => {
  it("path ids and query values: 4xx, never 5xx, nothing changed", async () => {
    const before = await stateCounts();
    const cases: [string, string, unknown?][] = [
      ["GET", "/api/v1/actions/%00"],
      ["GET", "/api/v1/actions/act_%00x"],
      ["POST", "/api/v1/actions/%00/cancel", {}],
      ["POST", "/api/v1/actions/a%00/result", { status: "ok", duration_ms: 1 }],
      ["POST", "/api/v1/runs/%00/token", {}],
      ["GET", "/api/v1/tools?route=support%00send"],
    ];
    for (const [method, path, body] of cases) {
      const r = await call(server.url, method, path, acme.key, body);
      expect(r.status, `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`).toBeGreaterThanOrEqual(400);
      expect(r.status, `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`).toBeLessThan(500);
    }
    // A value the handler reads leniently (an unreadable `since` is "from the start") is simply not a 5xx.
    expect((await call(server.url, "GET", "/api/v1/tokens/revocations?since=%00", acme.key)).status).toBeLessThan(500);
    expect(runId).toBeTruthy();
    expect(await stateCounts()).toEqual(before);
  });

  it("the console (Next.js, signed in): pages and console API routes with a NUL id are 4xx, never 5xx", async () => {
    // Production refuses live demo accounts and keys: retire them (this block is the file's last), bring an admin.
    await db().user.updateMany({ data: { disabled: true } });
    await db().agentCredential.updateMany({ data: { revokedAt: new Date() } });
    await makeUser("admin.nul@example.com", ["admin", "reviewer", "oncall"]);
    const { databaseUrl, dataDir } = env();
    const real: ConsoleServer = await startConsoleServer(databaseUrl, dataDir);
    try {
      const cookie = (await signIn(real.url, "admin.nul@example.com", "pw-admin.nul@example.com")).header();
      const before = await stateCounts();
      for (const path of ["/actions/%00", "/audit/%00", "/policies/support%00send", "/api/console/actions/%00", "/api/console/audit/%00", "/api/console/tools/%00"]) {
        const r = await fetch(real.url + path, { headers: { cookie }, redirect: "manual" });
        expect(r.status, `${path} → ${r.status}`).toBeLessThan(500);
      }
      for (const path of ["/api/console/actions/%00/vote", "/api/console/actions/%00/extend"]) {
        const r = await fetch(real.url + path, { method: "POST", headers: { cookie, "content-type": "application/json", "x-gatehouse-console": "1" }, body: "{}" });
        expect(r.status, `POST ${path} → ${r.status}`).toBeLessThan(500);
      }
      expect(await stateCounts()).toEqual(before);
    } finally {
      await real.stop();
    }
  }, 180_000);
});
