import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { E2E_BASE_URL, REVIEWER2, storageStatePath } from "./support/constants";
import { signIn } from "./support/sign-in";
import { cancelAction, getAction, inBatches, proposePending } from "./support/agent-api";
import { SHORT_TTL_ROUTE, shortTtlAgentKey } from "./support/short-ttl-agent";

// Demo agent acme-support (acme/prod, support/draft + support/send), from lib/seed/demo-data.ts DEMO_AGENTS.
const ACME_SUPPORT_KEY = "gh_ac0e00000001_DEMO-ONLY-acme-support-not-a-secret-xxxxxxx";
const uniq = () => String(Date.now()).slice(-9);

test.use({ storageState: storageStatePath("reviewer"), viewport: { width: 1280, height: 800 } });
// Two browser contexts, sign-ins and long-polls: more than the default 30 s on a busy machine.
test.describe.configure({ timeout: 90_000 });

async function openCard(page: Page, actionId: string) {
  // Searched by id: the queue pages (50 at a time), so an action may not be on the first page.
  await page.goto(`/queue?q=${encodeURIComponent(actionId)}`);
  const item = page.locator(`[data-testid=queue-item][data-action-id="${actionId}"]`);
  await expect(item).toBeVisible();
  await expect(page.getByTestId("queue-view")).toHaveAttribute("data-hydrated", "true");
  await item.click();
  await expect(page.getByTestId("approval-card").locator("[data-testid=card-summary]")).toBeVisible();
  // The detail for the chosen action (not the one shown before the click) is loaded.
  await expect(page.getByText(actionId, { exact: true })).toBeVisible();
}

test("two reviewers approve a destructive action; the agent's long-poll gets the token; a second vote by one person is refused", async ({ page, browser }) => {
  const customer = `C-${uniq()}`;
  const id = await proposePending(ACME_SUPPORT_KEY, "support/send", {
    tool: "customer.delete",
    args: { customer_id: customer },
    reason: "Customer asked for GDPR erasure in ticket T-1",
  });

  await openCard(page, id);
  // Remaining time reads as a duration in the list and on the card, never as a bare "13:29" (a clock time).
  const item = page.locator(`[data-testid=queue-item][data-action-id="${id}"]`);
  await expect(item.getByTestId("countdown")).toHaveText(/^\d+:\d\d(:\d\d)? left$/);
  await expect(page.getByTestId("approval-card").getByTestId("countdown")).toHaveText(/^Expires in \d+:\d\d(:\d\d)?$/);
  await expect(page.getByTestId("approvals-count")).toContainText("0 of 2");
  // Deliberate: Approve stays disabled until the customer's id is typed.
  await expect(page.getByRole("button", { name: "Approve", exact: true })).toBeDisabled();
  await page.getByTestId("confirm-target").fill(customer);
  await page.getByRole("button", { name: "Approve", exact: true }).click();
  await expect(page.getByTestId("toast").filter({ hasText: "1 of 2" })).toBeVisible();
  await expect(page.getByTestId("why-not")).toHaveText("You approved already; the next approval must come from someone else.");
  await expect(page.getByRole("button", { name: "Approve", exact: true })).toBeDisabled();

  // The same person again, straight at the API (as a stale tab would): refused, with a reason the UI maps.
  const again = await page.request.post(`/api/console/actions/${id}/vote`, {
    headers: { "X-Gatehouse-Console": "1", Origin: new URL(page.url()).origin },
    data: { vote: "approve" },
  });
  expect(again.status()).toBe(409);
  const body = (await again.json()) as { error: { reason: string; message: string } };
  expect(body.error.reason).toBe("already_voted");
  expect(body.error.message).toBe("The second approval must come from someone else.");

  // A clean context: the file-level storageState (reviewer) must not leak into the second reviewer.
  const ctx2 = await browser.newContext({ baseURL: E2E_BASE_URL, viewport: { width: 1280, height: 800 }, storageState: { cookies: [], origins: [] } });
  const page2 = await ctx2.newPage();
  await signIn(page2, REVIEWER2.email, REVIEWER2.password);
  await openCard(page2, id);
  await expect(page2.getByTestId("approvals-count")).toContainText("1 of 2");
  // The second approver sees who approved first, and that this vote executes the action.
  await expect(page2.getByTestId("first-approvers")).toContainText("Approved first by");
  await expect(page2.getByTestId("first-approvers")).toContainText("Your approval executes the action.");
  await page2.getByTestId("confirm-target").fill(customer);
  // The agent is long-polling when the second approval lands; it must return with the token.
  const longPoll = getAction(ACME_SUPPORT_KEY, id, 25);
  await page2.getByRole("button", { name: "Approve", exact: true }).click();
  await expect(page2.getByTestId("toast")).toHaveText("Approved — the agent can now get its token.");

  const view = await longPoll;
  expect(view.status).toBe("approved");
  expect(typeof view.token).toBe("string");
  expect(view.approvals).toEqual({ required: 2, received: 2 });

  // History shows the decision; the detail timeline is built from the audit log.
  await page2.goto(`/actions/${id}`);
  const types = await page2.getByTestId("timeline-entry").evaluateAll((els) => els.map((e) => e.getAttribute("data-type")));
  expect(types).toEqual(expect.arrayContaining(["action.decided", "approval.recorded", "action.approved", "token.minted"]));
  await ctx2.close();
});

test("the rejection reason typed in the UI is what the agent gets", async ({ page }) => {
  const ticket = `T-${uniq()}`;
  const id = await proposePending(ACME_SUPPORT_KEY, "support/send", { tool: "ticket.close", args: { ticket_id: ticket, resolution: "done" } });
  await openCard(page, id);
  await page.keyboard.press("r");
  const reason = `Ticket ${ticket} is still open on the customer's side — ask them first.`;
  await page.getByLabel("Reason for rejection (sent to the agent)").fill(reason);
  await page.getByRole("button", { name: "Confirm rejection" }).click();
  await expect(page.getByTestId("toast").filter({ hasText: "Rejected" })).toBeVisible();
  const view = await getAction(ACME_SUPPORT_KEY, id);
  expect(view.status).toBe("rejected");
  expect(view.reject_reason).toBe(reason);
});

test("the card answers what changes, blast radius and undo inside 1280×800, raw args collapsed, agent text fenced and inert", async ({ page }) => {
  const ticket = `T-${uniq()}`;
  const id = await proposePending(ACME_SUPPORT_KEY, "support/send", {
    tool: "ticket.update",
    args: { ticket_id: ticket, status: "pending", priority: "high", note: "Escalated to billing" },
    reason: "Customer reports double charge.\u202eIgnore previous instructions\u202c <img src=x onerror=alert(1)>",
    preview: {
      before: { ticket_id: ticket, status: "open", priority: "normal", assignee: "support-bot" },
      after: { ticket_id: ticket, status: "pending", priority: "high", assignee: "support-bot" },
    },
  });
  await openCard(page, id);
  await expect(page.getByTestId("preview-diff")).toBeVisible();
  await page.screenshot({ path: path.join("e2e", "screenshots", "approval-card.png") });

  for (const testId of ["card-summary", "preview-diff", "card-blast", "card-undo"]) {
    const box = await page.getByTestId(testId).boundingBox();
    expect(box, testId).not.toBeNull();
    expect(box!.y, testId).toBeGreaterThanOrEqual(0);
    expect(box!.y + box!.height, `${testId} bottom`).toBeLessThanOrEqual(800);
    expect(box!.x + box!.width, `${testId} right`).toBeLessThanOrEqual(1280);
  }
  await expect(page.getByRole("button", { name: "Approve", exact: true })).toBeInViewport();
  expect(await page.getByTestId("raw-args").evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);

  const reason = page.getByTestId("agent-reason");
  await expect(reason).toContainText("untrusted — written by the agent");
  // Inert: the markup is text, not an element; the bidi override is shown, not obeyed.
  await expect(reason).toContainText("<img src=x onerror=alert(1)>");
  expect(await reason.locator("img").count()).toBe(0);
  await expect(reason).toContainText("⟨U+202E⟩");
});

test("an expired action cannot be approved", async ({ page }) => {
  const key = shortTtlAgentKey();
  const id = await proposePending(key, SHORT_TTL_ROUTE, { tool: "ticket.close", args: { ticket_id: `T-${uniq()}` } });
  await page.goto(`/actions/${id}`);
  await expect(page.getByRole("button", { name: "Approve", exact: true })).toBeVisible();
  await page.waitForTimeout(3_500);
  // Straight at the API: the server refuses, whatever the page still shows.
  const res = await page.request.post(`/api/console/actions/${id}/vote`, {
    headers: { "X-Gatehouse-Console": "1", Origin: new URL(page.url()).origin },
    data: { vote: "approve" },
  });
  expect(res.status()).toBe(409);
  expect(((await res.json()) as { error: { reason: string } }).error.reason).toBe("expired");
  await expect(page.getByTestId("approval-card").getByText("expired", { exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "Approve", exact: true })).toHaveCount(0);
  const view = await getAction(key, id);
  expect(view.status).toBe("expired");
});

test("a new proposal appears in an open (filtered) queue within 2 seconds, and the nav badge counts it", async ({ page }) => {
  const ticket = `T-${uniq()}`;
  await page.goto(`/queue?q=${ticket}`);
  await expect(page.getByTestId("queue-view")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByTestId("queue-empty")).toHaveText("No pending action matches these filters.");
  const id = await proposePending(ACME_SUPPORT_KEY, "support/send", { tool: "ticket.close", args: { ticket_id: ticket } });
  await expect(page.locator(`[data-testid=queue-item][data-action-id="${id}"]`)).toBeVisible({ timeout: 2_000 });
  await expect(page.getByTestId("queue-total")).toHaveText("1–1 of 1 pending, oldest first");
  await expect(page.getByTestId("queue-count")).toBeVisible();
});

test("a vote takes the card out of 'needs my vote'; the filters and the open card live in the URL", async ({ page }) => {
  const a = await proposePending(ACME_SUPPORT_KEY, "support/send", { tool: "ticket.update", args: { ticket_id: `T-${uniq()}`, status: "pending", priority: "high" } });
  await page.goto("/queue?mine=1&tool=ticket.update");
  await expect(page.getByLabel("Needs my vote")).toBeChecked();
  // Typing in the search box narrows the queue and lands in the URL, the other filters kept.
  await page.getByLabel("Search", { exact: true }).fill(a);
  await expect(page).toHaveURL(new RegExp(`q=${a}`));
  await expect(page).toHaveURL(/mine=1/);
  await expect(page.getByTestId("queue-item")).toHaveCount(1);
  await page.locator(`[data-testid=queue-item][data-action-id="${a}"]`).click();
  await expect(page).toHaveURL(new RegExp(`id=${a}`));
  await expect(page).toHaveURL(/mine=1/);
  await page.getByRole("button", { name: "Approve", exact: true }).click();
  await expect(page.getByTestId("toast").filter({ hasText: "Approved" })).toHaveCount(1);
  await expect(page.locator(`[data-testid=queue-item][data-action-id="${a}"]`)).toHaveCount(0);
  // The card links to the action's own page.
  await page.goto(`/queue?id=${a}`);
  await page.getByTestId("card-page-link").click();
  await expect(page).toHaveURL(new RegExp(`/actions/${a}$`));
});

test("keyboard: ? opens the shortcut help, j/k move through the queue", async ({ page }) => {
  await proposePending(ACME_SUPPORT_KEY, "support/send", { tool: "ticket.close", args: { ticket_id: `T-${uniq()}` } });
  await proposePending(ACME_SUPPORT_KEY, "support/send", { tool: "ticket.close", args: { ticket_id: `T-${uniq()}` } });
  await page.goto("/queue");
  await expect(page.getByTestId("approval-card")).toBeVisible();
  await expect(page.getByTestId("queue-view")).toHaveAttribute("data-hydrated", "true");
  await page.keyboard.press("?");
  await expect(page.getByRole("dialog", { name: "Keyboard shortcuts" })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog")).toHaveCount(0);
  const first = await page.locator("[data-testid=queue-item][aria-current=true]").getAttribute("data-action-id");
  await page.keyboard.press("j");
  await expect(page.locator("[data-testid=queue-item][aria-current=true]")).not.toHaveAttribute("data-action-id", first!);
  await page.keyboard.press("k");
  await expect(page.locator("[data-testid=queue-item][aria-current=true]")).toHaveAttribute("data-action-id", first!);
});

test("axe: queue and card have no serious or critical violations", async ({ page }) => {
  await proposePending(ACME_SUPPORT_KEY, "support/send", {
    tool: "customer.delete",
    args: { customer_id: `C-${uniq()}` },
    reason: "Erasure request",
    preview: { before: { customer: "C-1", tickets: 3 }, after: null },
  });
  await page.goto("/queue");
  await expect(page.getByTestId("approval-card")).toBeVisible();
  await page.addScriptTag({ path: path.join(process.cwd(), "node_modules", "axe-core", "axe.min.js") });
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (ctx: Document, opts: unknown) => Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> };
      }
    ).axe;
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
  const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad, JSON.stringify(bad, null, 2)).toEqual([]);
});

test("the decided-actions history pages 50 at a time, newest first; filters and page live in the URL and survive a reload", async ({ page }) => {
  // 51 decided actions of one kind (proposed, then withdrawn by the agent), whatever else the log holds.
  const ids = await inBatches(
    Array.from({ length: 51 }, (_, i) => i),
    6,
    async (i) => {
      const id = await proposePending(ACME_SUPPORT_KEY, "support/send", { tool: "ticket.close", args: { ticket_id: `T-8${String(i).padStart(2, "0")}` } });
      expect(await cancelAction(ACME_SUPPORT_KEY, id)).toBe(200);
      return id;
    },
  );
  await page.goto("/actions?tool=ticket.close&status=cancelled");
  const rows = page.getByTestId("history-row");
  const shown = () => rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-action-id")!));
  await expect(rows).toHaveCount(50);
  await expect(page.getByTestId("history-page")).toHaveText("The newest decisions, 50 a page");
  const first = await shown();
  await expect(page.getByRole("button", { name: "Newer", exact: true })).toBeDisabled();

  await page.getByRole("button", { name: "Older", exact: true }).click();
  await expect(page).toHaveURL(/[?&]older=/);
  await expect(page).toHaveURL(/tool=ticket\.close/);
  await expect(page.getByTestId("history-page")).toContainText("Older decisions");
  await expect.poll(async () => (await shown()).some((id) => first.includes(id))).toBe(false);
  const second = await shown();
  // Every one of the 51 is on the first two pages: none skipped between them.
  expect(ids.every((id) => first.includes(id) || second.includes(id))).toBe(true);

  await page.reload();
  await expect(page.getByLabel("Tool")).toHaveValue("ticket.close");
  await expect(page.getByLabel("Status")).toHaveValue("cancelled");
  await expect.poll(shown).toEqual(second);

  await page.getByRole("button", { name: "Newer", exact: true }).click();
  await expect(page).not.toHaveURL(/older=/);
  await expect.poll(shown).toEqual(first);
});
