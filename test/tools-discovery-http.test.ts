import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "./support/demo-db";
import { startAgentServer } from "./support/agent-server";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { apiSchemas } from "@gatehouse-dev/sdk";

// GET /api/v1/tools over real HTTP: the credential's routes, only granted tools, never thresholds.
let cleanup: () => Promise<void>;
let server: { url: string; close: () => Promise<void> };
const key = (name: string) => DEMO_AGENTS.find((a) => a.name === name)!.key;
const get = (path: string, k = key("acme-support")) => fetch(server.url + path, { headers: { authorization: `Bearer ${k}` } });

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  server = await startAgentServer();
});
afterAll(async () => {
  await server.close();
  await cleanup();
});

describe("GET /api/v1/tools", () => {
  it("lists each route of the credential with its granted tools and what a call gets; denied tools and condition thresholds never appear", async () => {
    const res = await get("/api/v1/tools");
    expect(res.status).toBe(200);
    const body = apiSchemas.toolsView.parse(await res.json());
    expect(body.routes.map((r) => r.route)).toEqual(["support/draft", "support/send"]);
    const send = new Map(body.routes[1]!.tools.map((t) => [t.name, t]));
    expect(send.get("ticket.close")!.decision).toEqual({ outcome: "approval_required", approvals: 1 });
    expect(send.get("customer.delete")!.decision).toEqual({ outcome: "approval_required", approvals: 2 });
    expect(send.get("kb.search")).toMatchObject({ kind: "read", decision: { outcome: "allowed" }, args_schema: { type: "object" } });
    expect(send.has("db.write")).toBe(false);
    expect(body.routes[0]!.tools.map((t) => t.name)).not.toContain("email.send");
    expect(JSON.stringify(body)).not.toMatch(/condition|amount_usd\s*[<>]/);
  });

  it("with run_id: only that run's route; another credential's run or an unknown one is 404; a stray parameter is 422", async () => {
    const run = (await (
      await fetch(server.url + "/api/v1/runs", {
        method: "POST",
        headers: { authorization: `Bearer ${key("acme-support")}`, "content-type": "application/json" },
        body: JSON.stringify({ route: "support/draft" }),
      })
    ).json()) as { run_id: string };
    const mine = await get(`/api/v1/tools?run_id=${run.run_id}`);
    expect(mine.status).toBe(200);
    expect(((await mine.json()) as { routes: { route: string }[] }).routes.map((r) => r.route)).toEqual(["support/draft"]);
    expect((await get(`/api/v1/tools?run_id=${run.run_id}`, key("globex-support"))).status).toBe(404);
    expect((await get("/api/v1/tools?run_id=nope")).status).toBe(404);
    expect((await get("/api/v1/tools?route=support/send")).status).toBe(422);
  });

  it("needs an agent key", async () => {
    expect((await fetch(server.url + "/api/v1/tools")).status).toBe(401);
    expect((await get("/api/v1/tools", "gh_nope")).status).toBe(401);
  });
});
