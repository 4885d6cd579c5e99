import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "../support/demo-db";
import { startAgentServer } from "../support/agent-server";
import { call, demoAgent, stateCounts } from "./helpers";

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
});
