import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { freshDemoDb } from "./support/demo-db";
import { seedDemoStart } from "@/lib/seed/demo-start";
import { DEMO_PENDING } from "@/lib/seed/demo-pending";
import { closeUpstreamConnections } from "@/lib/mcp/upstream-client";

let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
}, 60_000);
afterAll(async () => {
  await closeUpstreamConnections();
  await cleanup?.();
});

describe("what npm start adds in demo mode", () => {
  it("registers the demo MCP upstream first, so no demo card was proposed under a policy version since replaced", async () => {
    const { mcp, pending } = await seedDemoStart();
    expect(mcp).toBe(true);
    expect(pending).toBe(DEMO_PENDING.length);
    const route = await db().route.findUniqueOrThrow({ where: { name: "support/send" } });
    expect(route.activeVersion).toBeGreaterThan(1); // the upstream's tools made a new version
    const cards = await db().action.findMany({ where: { status: "pending" } });
    expect(cards.length).toBe(DEMO_PENDING.length);
    const active = new Map((await db().route.findMany()).map((r) => [r.id, r.activeVersion]));
    for (const a of cards) expect(a.policyVersion, `${a.tool} on ${a.routeName}`).toBe(active.get(a.routeId));
  }, 60_000);
});
