import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "./support/demo-db";
import { createCredential } from "@/lib/agents/create-credential";
import { authenticateAgent } from "@/lib/agents/authenticate-agent";
import { startRun } from "@/lib/runs/start-run";
import { proposeAction } from "@/lib/actions/propose-action";
import { getSummary } from "@/lib/console/get-summary";
import { AppError } from "@/lib/errors";

let cleanup: () => Promise<void>;
const ctx = { requestId: "req_test_summary" };

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
});
afterAll(() => cleanup());

describe("dashboard summary", () => {
  it("counts refusals, which leave no action, beside the actions' statuses, within the last 24 h", async () => {
    const c = await createCredential({ name: "summary-test", tenantId: "acme", env: "prod", routes: ["support/send"] });
    const agent = await authenticateAgent(new Request("http://x", { headers: { authorization: `Bearer ${c.key}` } }));
    const run = await startRun(agent, "support/send", ctx);
    const before = (await getSummary({ scopes: "all" })).last24hByStatus;

    const propose = (tool: string, args: Record<string, unknown>, key: string) =>
      proposeAction(agent, { run_id: run.run_id, tool, args, idempotency_key: key }, ctx).then(
        (r) => r.view.status,
        (e: unknown) => (e instanceof AppError ? `refused:${e.code}` : Promise.reject(e)),
      );
    expect(await propose("kb.search", { query: "reset token" }, "s-1")).toBe("allowed");
    expect(await propose("kb.search", { query: "other" }, "s-2")).toBe("allowed");
    expect(await propose("ticket.close", { ticket_id: "T-1", resolution: "done" }, "s-3")).toBe("pending");
    expect(await propose("db.drop_table", {}, "s-4")).toBe("refused:denied");
    expect(await propose("email.send", { nope: true }, "s-5")).toBe("refused:validation_failed");

    const after = (await getSummary({ scopes: "all" })).last24hByStatus;
    const added = (s: string) => (after[s] ?? 0) - (before[s] ?? 0);
    expect({ allowed: added("allowed"), pending: added("pending"), denied: added("denied"), invalid: added("invalid") }).toEqual({
      allowed: 2,
      pending: 1,
      denied: 1,
      invalid: 1,
    });

    // A day and an hour later none of it is in the window.
    const later = (await getSummary({ scopes: "all" }, new Date(Date.now() + 25 * 3600 * 1000))).last24hByStatus;
    expect(later).toEqual({});
  });
});
