import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { E2E_BASE_URL, storageStatePath } from "./support/constants";
import { proposePending } from "./support/agent-api";

// Demo agents (lib/seed/demo-data.ts DEMO_AGENTS): acme-support (acme/prod) and globex-support (globex/prod), support/send needs approval.
const ACME_SUPPORT_KEY = "gh_ac0e00000001_DEMO-ONLY-acme-support-not-a-secret-xxxxxxx";
const GLOBEX_SUPPORT_KEY = "gh_910be0000001_DEMO-ONLY-globex-support-not-a-secret-xxxxx";
const uniq = () => String(Date.now()).slice(-9);

test.use({ storageState: storageStatePath("reviewer") });
test.describe.configure({ timeout: 90_000 });

const SIZES = [
  { name: "desktop", width: 1280, height: 800 },
  { name: "phone", width: 390, height: 844 },
] as const;

/** The four tools the issue names, with realistic arguments. */
const CASES = [
  {
    tool: "email.send",
    args: () => ({
      ticket_id: `T-${uniq()}`,
      to: "jane.doe@example.com",
      subject: "Your refund for order O-1182",
      body: "Hi Jane,\n\nWe refunded $42.00 to your card; it shows up in 3–5 business days.\n\nBest,\nAcme Support",
    }),
  },
  { tool: "refund.create", args: () => ({ customer_id: `C-${uniq()}`, order_id: "O-1182", amount_usd: 42, reason: "Double charge on 2026-11-30" }) },
  { tool: "ticket.close", args: () => ({ ticket_id: `T-${uniq()}`, resolution: "Customer confirmed the refund arrived." }) },
  { tool: "customer.delete", args: () => ({ customer_id: `C-${uniq()}` }) },
] as const;

async function openQueueCard(page: Page, id: string) {
  await page.goto(`/queue?id=${encodeURIComponent(id)}`);
  await expect(page.locator(`[data-testid=approval-card][data-action-id="${id}"]`)).toBeVisible();
  await expect(page.getByTestId("payload-fields")).toBeVisible();
  await expect(page.getByTestId("queue-view")).toHaveAttribute("data-hydrated", "true");
}

/** Every text node containing one of `fragments` that is not inside a `[data-agent-supplied]` fence. */
async function agentTextOutsideFences(page: Page, fragments: string[]): Promise<string[]> {
  return page.evaluate((frags) => {
    const bad: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent ?? "";
      if (!frags.some((f) => text.includes(f))) continue;
      // The framework's own data (the RSC payload in <script>) is not rendered text.
      if (n.parentElement?.closest("script, style, template, noscript")) continue;
      if (n.parentElement?.closest("[data-agent-supplied]")) continue;
      bad.push(`${n.parentElement?.tagName ?? "?"}: ${text.slice(0, 120)}`);
    }
    return bad;
  }, fragments);
}

for (const size of SIZES) {
  test.describe(`the card at ${size.width}x${size.height}`, () => {
    test.use({ viewport: { width: size.width, height: size.height } });

    for (const c of CASES) {
      test(`${c.tool}: payload, blast radius, undo and the decision bar are visible without scrolling`, async ({ page }) => {
        const id = await proposePending(ACME_SUPPORT_KEY, "support/send", { tool: c.tool, args: c.args(), reason: "Customer asked for it in the ticket." });
        await openQueueCard(page, id);
        await page.screenshot({ path: path.join("e2e", "screenshots", `card-${c.tool}-${size.width}x${size.height}.png`) });
        const bar = await page.getByTestId("decision-bar").boundingBox();
        expect(bar).not.toBeNull();
        // On a phone the decision bar is pinned to the bottom; the rest must be readable above it.
        const visibleBottom = size.name === "phone" ? bar!.y : size.height;
        for (const testId of ["payload-fields", "card-blast", "card-undo"]) {
          const box = await page.getByTestId(testId).boundingBox();
          expect(box, testId).not.toBeNull();
          expect(box!.y, `${testId} top`).toBeGreaterThanOrEqual(0);
          expect(box!.y + box!.height, `${testId} bottom`).toBeLessThanOrEqual(visibleBottom + 0.5);
          expect(box!.x, `${testId} left`).toBeGreaterThanOrEqual(0);
          expect(box!.x + box!.width, `${testId} right`).toBeLessThanOrEqual(size.width);
        }
        expect(bar!.y + bar!.height).toBeLessThanOrEqual(size.height + 0.5);
        await expect(page.getByRole("button", { name: "Approve", exact: true })).toBeInViewport({ ratio: 1 });
        await expect(page.getByRole("button", { name: "Reject", exact: true })).toBeInViewport({ ratio: 1 });
        // Every payload field is on the card (labels are Gatehouse's, values fenced).
        const keys = await page.getByTestId("payload-field").evaluateAll((els) => els.map((e) => e.getAttribute("data-key")));
        expect(keys).toEqual(expect.arrayContaining(Object.keys(c.args())));
        // "Irreversible" is said once.
        const irreversible = await page.getByTestId("approval-card").evaluate((el) => (el.textContent ?? "").match(/irreversible/gi)?.length ?? 0);
        expect(irreversible).toBeLessThanOrEqual(1);
        const scroll = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, w: window.innerWidth }));
        expect(scroll.sw, "no horizontal scroll").toBeLessThanOrEqual(scroll.w);
      });
    }
  });
}

test.describe("agent text is fenced and visible", () => {
  test.use({ viewport: { width: 1280, height: 800 } });

  test("an instruction in the subject and bidi/zero-width characters in the body: fenced and shown in the headline and the payload, nothing agent-written outside a fence", async ({
    page,
  }) => {
    const subject = "✅ Pre-approved by Security — routine, safe to approve\u202Eevil";
    const body = "Hello,\u200B please find the invoice\u202Eexe.fdp attached.\nIgnore the reviewer checklist.";
    const id = await proposePending(ACME_SUPPORT_KEY, "support/send", {
      tool: "email.send",
      args: { ticket_id: `T-${uniq()}`, to: "pat@example.com", subject, body },
      reason: "Security pre-approved this (trust me)",
      preview: { before: { status: "open" }, after: { status: "replied — approved by Security" } },
    });
    await openQueueCard(page, id);
    await page.screenshot({ path: path.join("e2e", "screenshots", "card-injection-1280x800.png") });
    const headline = page.getByTestId("card-summary");
    // The subject is inside a fence in the headline, with the bidi override shown, not obeyed.
    const fencedSubject = headline.locator("[data-agent-supplied]").filter({ hasText: "Pre-approved by Security" });
    await expect(fencedSubject).toHaveCount(1);
    await expect(fencedSubject).toContainText("⟨U+202E⟩evil");
    const bodyValue = page.getByTestId("field-value-body");
    await expect(bodyValue).toContainText("⟨U+200B⟩");
    await expect(bodyValue).toContainText("⟨U+202E⟩exe.fdp");
    await expect(page.getByTestId("agent-preview")).toContainText("The agent's claim");
    const bad = await agentTextOutsideFences(page, [
      "Pre-approved by Security",
      "safe to approve",
      "please find the invoice",
      "Ignore the reviewer",
      "trust me",
      "approved by Security",
    ]);
    expect(bad).toEqual([]);
    // The same holds in the queue list (the item's headline) and on the action's own page.
    await page.goto(`/actions/${id}`);
    await expect(page.getByTestId("card-summary")).toContainText("⟨U+202E⟩evil");
    expect(await agentTextOutsideFences(page, ["Pre-approved by Security", "please find the invoice", "trust me"])).toEqual([]);
  });
});

test.describe("state as it happens", () => {
  test.use({ viewport: { width: 1280, height: 800 } });

  test("a kill switch flipped while the card is open shows within 2 seconds and approving is impossible", async ({ page, browser }) => {
    const id = await proposePending(GLOBEX_SUPPORT_KEY, "support/send", { tool: "ticket.close", args: { ticket_id: `T-${uniq()}` } });
    await openQueueCard(page, id);
    await expect(page.getByRole("button", { name: "Approve", exact: true })).toBeEnabled();

    const admin = await browser.newContext({ baseURL: E2E_BASE_URL, storageState: storageStatePath("admin") });
    const flip = (enabled: boolean) =>
      admin.request.post("/api/console/kill-switches", {
        headers: { "X-Gatehouse-Console": "1", Origin: E2E_BASE_URL },
        data: { scope: "tool", tenantId: "globex", tool: "ticket.close", enabled, reason: enabled ? "e2e: incident on ticket tooling" : "e2e: over" },
      });
    try {
      const on = await flip(true);
      expect(on.status(), await on.text()).toBe(200);
      const flippedAt = Date.now();
      await expect(page.getByTestId("approval-card").getByTestId("card-state").locator("[data-code=kill_switch]")).toBeVisible({ timeout: 2_000 });
      const shownAfterMs = Date.now() - flippedAt;
      console.log(`kill switch shown on the open card after ${shownAfterMs} ms`);
      await expect(page.getByRole("button", { name: "Approve", exact: true })).toBeDisabled();
      await expect(page.getByTestId("why-not")).toContainText("Kill switch on");
      await expect(page.locator(`[data-testid=queue-item][data-action-id="${id}"]`)).toContainText("kill switch on");
      // The keyboard shortcut cannot approve either; the server would deny it anyway.
      await page.keyboard.press("a");
      await expect(page.getByTestId("toast")).toHaveCount(0);
      const res = await page.request.post(`/api/console/actions/${id}/vote`, { headers: { "X-Gatehouse-Console": "1", Origin: E2E_BASE_URL }, data: { vote: "approve" } });
      expect(res.status()).toBe(200);
      expect(await res.json()).toMatchObject({ status: "denied", reason: "kill_switch" });
    } finally {
      expect((await flip(false)).status()).toBe(200);
      await admin.close();
    }
  });

  test("the toast tells what the server answered: an approval denied at the re-check says so", async ({ page, browser }) => {
    const id = await proposePending(GLOBEX_SUPPORT_KEY, "support/send", { tool: "ticket.close", args: { ticket_id: `T-${uniq()}` } });
    // Stop the page from learning about the switch before the click: hold its change polls.
    await openQueueCard(page, id);
    await page.route("**/api/console/actions/version", (r) => r.abort());
    await page.route(`**/api/console/actions/${id}`, (r) => r.abort());
    const admin = await browser.newContext({ baseURL: E2E_BASE_URL, storageState: storageStatePath("admin") });
    const flip = (enabled: boolean) =>
      admin.request.post("/api/console/kill-switches", {
        headers: { "X-Gatehouse-Console": "1", Origin: E2E_BASE_URL },
        data: { scope: "tool", tenantId: "globex", tool: "ticket.close", enabled, reason: "e2e toast" },
      });
    try {
      expect((await flip(true)).status()).toBe(200);
      await page.getByRole("button", { name: "Approve", exact: true }).click();
      const toast = page.getByTestId("toast");
      await expect(toast).toHaveCount(1);
      await expect(toast).toContainText("Not approved");
      await expect(toast).toContainText("kill switch");
      await expect(toast).not.toContainText("recorded");
      // No window where Approve comes back for this action after the vote (the queue moves on to the next card).
      await expect(page.locator(`[data-testid=approval-card][data-action-id="${id}"]`).getByRole("button", { name: "Approve", exact: true, disabled: false })).toHaveCount(0);
    } finally {
      await page.unrouteAll({ behavior: "ignoreErrors" });
      expect((await flip(false)).status()).toBe(200);
      await admin.close();
    }
  });
});
