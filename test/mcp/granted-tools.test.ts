import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "../support/demo-db";
import { db } from "@/lib/db/client";
import { sqlRead } from "@/lib/db/sql";
import { grantedTools } from "@/lib/catalog/granted-tools";
import { setKillSwitch } from "@/lib/kill-switches/set-kill-switch";

let cleanup: () => Promise<void>;
let admin: string;
const acme = { tenantId: "acme", env: "prod", routes: ["support/draft", "support/send"] };
const list = (agent: typeof acme, route: string, exclude?: Set<string>) => sqlRead((sql) => grantedTools(sql, agent, route, exclude));

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  admin = (await db().user.findUniqueOrThrow({ where: { email: "admin@gatehouse.local" } })).id;
});
afterAll(async () => cleanup());

describe("grantedTools: only what the route grants, with the real decision", () => {
  it("support/draft lists its reads and the auto-approved draft as allowed, never a denied tool", async () => {
    const tools = await list(acme, "support/draft");
    expect(tools.map((t) => t.name)).toEqual(["customers.get", "email.draft", "kb.search", "tickets.get"]);
    expect(tools.every((t) => t.decision.outcome === "allowed")).toBe(true);
    const kb = tools.find((t) => t.name === "kb.search")!;
    expect(kb.kind).toBe("read");
    expect(kb.argsSchema).toMatchObject({ type: "object" });
    expect(kb.summaryTemplate.length).toBeGreaterThan(0);
  });

  it("support/send shows approvals needed; a destructive tool needs two; db.write (denied) is absent", async () => {
    const tools = await list(acme, "support/send");
    const by = new Map(tools.map((t) => [t.name, t.decision]));
    expect(by.get("email.send")).toEqual({ outcome: "approval_required", approvals: 1 });
    expect(by.get("customer.delete")).toEqual({ outcome: "approval_required", approvals: 2 });
    expect(by.get("kb.search")).toEqual({ outcome: "allowed" });
    expect(by.has("db.write")).toBe(false);
  });

  it("a route the credential may not use, or an unknown route, is an empty list", async () => {
    expect(await list(acme, "ops/triage")).toEqual([]);
    expect(await list({ ...acme, routes: [...acme.routes, "nope"] }, "nope")).toEqual([]);
  });

  it("a kill-switched tool is hidden for that tenant only; excluded names are hidden", async () => {
    await setKillSwitch({ scope: "tool", tenantId: "acme", tool: "kb.search", enabled: true, reason: "incident", actorId: admin });
    try {
      expect((await list(acme, "support/draft")).map((t) => t.name)).not.toContain("kb.search");
      expect((await list({ ...acme, tenantId: "globex" }, "support/draft")).map((t) => t.name)).toContain("kb.search");
    } finally {
      await setKillSwitch({ scope: "tool", tenantId: "acme", tool: "kb.search", enabled: false, reason: "over", actorId: admin });
    }
    expect((await list(acme, "support/draft", new Set(["tickets.get"]))).map((t) => t.name)).toEqual(["customers.get", "email.draft", "kb.search"]);
  });
});
