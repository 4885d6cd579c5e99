import { expect, test, type APIRequestContext } from "@playwright/test";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { DEMO_LOGINS, E2E_BASE_URL, storageStatePath } from "./support/constants";
import { getAction, proposePending, startRun } from "./support/agent-api";

// The break-glass story end to end: open with password, everyone sees the banner, approve a
// destructive action alone, end it, the power and the banner are gone, someone else acks the review.

const agent = DEMO_AGENTS.find((a) => a.tenant === "acme" && a.env === "prod" && a.routes.includes("support/send"))!;
const consoleHeaders = { "X-Gatehouse-Console": "1", Origin: E2E_BASE_URL, "Content-Type": "application/json" };

async function approveAlone(request: APIRequestContext, sessionId: string, actionId: string) {
  return request.post("/api/console/break-glass/approve", { headers: consoleHeaders, data: { session_id: sessionId, action_id: actionId } });
}

test("on-call opens break-glass, approves a destructive action alone, ends it; a reviewer acknowledges", async ({ browser }) => {
  test.setTimeout(180_000);
  const oncall = await browser.newContext({ storageState: storageStatePath("oncall") });
  const viewer = await browser.newContext({ storageState: storageStatePath("viewer") });
  const reviewer = await browser.newContext({ storageState: storageStatePath("reviewer") });
  const op = await oncall.newPage();
  const vp = await viewer.newPage();

  await vp.goto("/");
  await expect(vp.getByTestId("break-glass-banner")).toHaveCount(0);

  // A destructive action needs two people normally.
  const actionId = await proposePending(agent.key, "support/send", { tool: "customer.delete", args: { customer_id: "C-4242" }, reason: "GDPR erasure" });

  // A run for the mint below, started before the page (its run list refreshes every 10 s).
  const runId = await startRun(agent.key, "support/send");

  await op.goto("/break-glass");
  await op.getByLabel("Reason").fill("Payments outage: erase the corrupt customer record");
  await op.getByLabel("Duration (minutes)").fill("5");
  await op.getByLabel("Password").fill("wrong-password");
  await op.getByRole("button", { name: "Open break-glass" }).click();
  await expect(op.getByRole("alert").filter({ hasText: "The password is not correct." })).toBeVisible();
  await op.getByLabel("Password").fill(DEMO_LOGINS.oncall.password);
  await op.getByRole("button", { name: "Open break-glass" }).click();
  await expect(op.getByRole("heading", { name: "Your break-glass session is open" })).toBeVisible();

  // Everyone sees the banner, live, without reloading.
  await expect(vp.getByTestId("break-glass-banner")).toBeVisible({ timeout: 3_000 });
  await expect(vp.getByTestId("break-glass-banner")).toContainText("oncall@gatehouse.local");
  await expect(op.getByTestId("break-glass-banner")).toBeVisible();

  const active = (await (await op.request.get("/api/console/break-glass/active")).json()) as { sessions: { id: string }[] };
  const sessionId = active.sessions[0]!.id;

  // The list says how many are pending (the queue's true total), and the search finds this one by its id.
  const pending = (await (await op.request.get("/api/console/break-glass/pending")).json()) as { actions: { id: string }[]; total: number };
  expect(pending.actions.length).toBe(Math.min(50, pending.total));
  await expect(op.getByTestId("bg-pending-count")).toContainText(`${pending.total.toLocaleString("en-US")} pending`);
  await op.getByLabel("Search pending").fill(actionId);
  await expect(op.getByTestId("bg-pending-count")).toHaveText("1 pending match, newest first");
  await expect(op.locator("[data-testid^=bg-pending-act_]")).toHaveCount(1);
  await op.getByRole("button", { name: `Approve ${actionId} alone` }).click();
  // The same card a reviewer sees, then a confirmation.
  const review = op.getByTestId("bg-review");
  await expect(review.getByTestId("payload-fields")).toBeVisible();
  await expect(review.getByTestId("card-blast")).toBeVisible();
  await expect(review.getByTestId("card-undo")).toBeVisible();
  await review.getByRole("button", { name: `Confirm: approve ${actionId} alone` }).click();
  await expect(op.getByRole("status").filter({ hasText: `Action ${actionId} is approved` })).toBeVisible();
  const approved = await getAction(agent.key, actionId);
  expect(approved.status).toBe("approved");
  expect(approved.token).toBeTruthy();

  // Mint one token for a run found by the search (the list holds the newest 200 and says how many there are).
  const opts = (await (await op.request.get("/api/console/break-glass/mint-options")).json()) as { runs: unknown[]; runsTotal: number };
  await expect(op.getByTestId("bg-mint-runs-count")).toContainText(`${opts.runsTotal.toLocaleString("en-US")} active run`);
  await op.getByLabel("Search runs").fill(runId);
  await expect(op.getByTestId("bg-mint-runs-count")).toHaveText("1 active run matches, newest first");
  const runPicker = op.getByRole("combobox", { name: "Run", exact: true });
  await expect(runPicker.locator("option")).toHaveCount(2);
  await runPicker.selectOption(runId);
  await op.getByRole("combobox", { name: "Tool", exact: true }).selectOption("ticket.close");
  await op.getByLabel("Args (JSON)").fill(`{"ticket_id":"T-4242"}`);
  // Enter in the search box does not mint: only the button does.
  const minted = op.getByRole("status").filter({ hasText: "Approved as action" });
  await op.getByLabel("Search runs").press("Enter");
  await op.waitForTimeout(500);
  await expect(minted).toHaveCount(0);
  await op.getByRole("button", { name: "Mint action token" }).click();
  await expect(minted).toBeVisible();
  const mintedId = (await minted.locator(".font-mono").textContent())!;
  const mintedAction = await getAction(agent.key, mintedId);
  expect(mintedAction).toMatchObject({ status: "approved", run_id: runId, tool: "ticket.close" });

  // End it by hand: the banner goes for everyone and the power is gone on the server.
  const second = await proposePending(agent.key, "support/send", { tool: "customer.delete", args: { customer_id: "C-4343" } });
  await op.getByRole("button", { name: "End break-glass now" }).click();
  await expect(vp.getByTestId("break-glass-banner")).toHaveCount(0, { timeout: 3_000 });
  await expect(op.getByRole("button", { name: "Open break-glass" })).toBeVisible();
  const refused = await approveAlone(op.request, sessionId, second);
  expect(refused.status()).toBe(403);
  expect((await getAction(agent.key, second)).status).toBe("pending");

  // The review: the on-call cannot acknowledge their own; a reviewer can, and sees what was done.
  await op.goto(`/break-glass/review/${sessionId}`);
  await expect(op.getByRole("cell", { name: "action.approved" })).toBeVisible();
  await op.getByRole("button", { name: "Acknowledge review" }).click();
  await expect(op.getByRole("alert").filter({ hasText: "Someone else must acknowledge" })).toBeVisible();
  await expect(op.getByTestId("review-state")).toHaveText("Not yet acknowledged");

  const rp = await reviewer.newPage();
  await rp.goto(`/break-glass/review/${sessionId}`);
  await expect(rp.getByRole("cell", { name: "break_glass.closed" })).toBeVisible();
  await rp.getByLabel("Note").fill("Checked the erasure ticket.");
  await rp.getByRole("button", { name: "Acknowledge review" }).click();
  await expect(rp.getByTestId("review-state")).toContainText("Acknowledged by reviewer@gatehouse.local");

  await Promise.all([oncall.close(), viewer.close(), reviewer.close()]);
});

test.describe("a viewer", () => {
  test.use({ storageState: storageStatePath("viewer") });

  test("cannot open the break-glass page or API", async ({ page }) => {
    const res = await page.goto("/break-glass");
    expect(res?.status()).toBe(403);
    const api = await page.request.post("/api/console/break-glass", { headers: consoleHeaders, data: { password: "viewer-demo", reason: "no", duration_minutes: 5 } });
    expect(api.status()).toBe(403);
  });
});

test("an agent key gets nothing from break-glass", async ({ request }) => {
  const res = await request.post("/api/console/break-glass", {
    headers: { ...consoleHeaders, Authorization: `Bearer ${agent.key}` },
    data: { password: "x", reason: "agent", duration_minutes: 5 },
  });
  expect([401, 403]).toContain(res.status());
});
