import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { freshDemoDb } from "./support/demo-db";
import { DEMO_PENDING, seedDemoPending } from "@/lib/seed/demo-pending";
import { listQueue } from "@/lib/approvals/list-queue";
import { getActionDetail } from "@/lib/approvals/get-action-detail";

let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
});
afterAll(() => cleanup?.());

describe("demo pending actions (npm start)", () => {
  it("proposes one card per kind through the agent path, once per quarter hour", async () => {
    const now = Date.now();
    expect(await seedDemoPending(now)).toBe(DEMO_PENDING.length);
    expect(await seedDemoPending(now)).toBe(DEMO_PENDING.length);
    expect(await db().action.count({ where: { status: "pending" } })).toBe(DEMO_PENDING.length);
    const reviewer = await db().user.findFirstOrThrow({ where: { email: "reviewer@gatehouse.local" } });
    const page = await listQueue({}, { ...reviewer, scopes: "all" });
    expect(page.items.map((i) => i.tool)).toEqual(DEMO_PENDING.map((p) => p.tool));
    const email = (await getActionDetail(page.items[0]!.id, { ...reviewer, roles: ["reviewer"], scopes: "all", roleScopes: {} }))!;
    expect(email.card.fields.map((f) => f.key)).toEqual(expect.arrayContaining(["to", "subject", "body"]));
  });
});
