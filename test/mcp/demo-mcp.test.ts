import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { freshDemoDb } from "../support/demo-db";
import { startAgentServer } from "../support/agent-server";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { seedDemoMcp } from "@/lib/seed/demo-mcp";
import { closeUpstreamConnections } from "@/lib/mcp/upstream-client";
import { agentClient } from "./support";

let cleanup: () => Promise<void>;
let server: { url: string; close: () => Promise<void> };
let client: Client | undefined;

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  server = await startAgentServer();
}, 60_000);
afterAll(async () => {
  await client?.close();
  await closeUpstreamConnections();
  await server.close();
  await cleanup();
});

describe("the demo MCP upstream that npm start registers in demo mode", () => {
  it("registers once; the demo acme agent reads a ticket through /mcp/support/send", async () => {
    expect(await seedDemoMcp()).toBe(true);
    expect(await seedDemoMcp()).toBe(false);
    const acme = DEMO_AGENTS.find((a) => a.name === "acme-support")!;
    client = await agentClient(server.url, "support/send", acme.key);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["helpdesk.get_ticket", "helpdesk.close_ticket", "helpdesk.create_refund", "helpdesk.send_email", "gatehouse.action_status"]));
    const r = (await client.callTool({ name: "helpdesk.get_ticket", arguments: { ticket_id: "T-2" } })) as { content: { text: string }[] };
    expect(r.content[0]!.text).toContain("Refund request");
  });
});
