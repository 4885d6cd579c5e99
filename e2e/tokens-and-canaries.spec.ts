import path from "node:path";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { REVIEWER2, storageStatePath } from "./support/constants";
import { signIn } from "./support/sign-in";
import { proposePending } from "./support/agent-api";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";

const acmeAgent = DEMO_AGENTS.find((a) => a.name === "acme-support")!;

/**
 * Issue 22: a reviewer creates a personal API token in the console (shown once,
 * a subset of their scopes), sees it listed and revokes it; an admin enrolls a
 * reviewer for canaries, places one, and the reviewer's rejection shows as a catch.
 */

const shot = (name: string) => path.join("e2e", "screenshots", name);
const SIZES = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
];

async function fresh(browser: Browser, email: string, password: string): Promise<Page> {
  const page = await (await browser.newContext({ storageState: undefined })).newPage();
  await page.goto("/signin");
  await signIn(page, email, password);
  return page;
}

test.describe("personal API tokens", () => {
  test.use({ storageState: storageStatePath("reviewer") });

  test("a reviewer creates a token shown once, within their scopes, and revokes it; the revoked token is 401", async ({ page }) => {
    await page.goto("/settings/tokens");
    await expect(page.getByRole("heading", { level: 1, name: "API tokens" })).toBeVisible();
    // A reviewer is offered what a reviewer may give a token, and nothing of an admin's.
    await expect(page.getByLabel("actions:vote")).toBeVisible();
    await expect(page.getByLabel("policy:write")).toHaveCount(0);
    await page.getByLabel("Token name").fill("review bot");
    await page.getByLabel("actions:vote").check();
    await page.getByLabel("Token tenant scopes").fill("acme/prod");
    await page.getByRole("button", { name: "Create token" }).click();
    const shown = page.getByTestId("new-api-token");
    await expect(shown).toHaveText(/^gh_tok_/);
    const token = (await shown.textContent())!;
    const row = page.getByRole("row", { name: /review bot/ });
    await expect(row).toContainText("acme/prod");
    await expect(row).toContainText("actions:vote");
    // Expiry in the console's one date format, and a token never used says so.
    await expect(row).toContainText(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    await expect(row).toContainText("never");
    const use = () => page.request.get("/api/cli/actions", { headers: { authorization: `Bearer ${token}` } });
    expect((await use()).status()).toBe(200);
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await page.screenshot({ path: shot(`api-tokens-${size.width}x${size.height}.png`), fullPage: true });
    }
    await page.setViewportSize(SIZES[0]!);
    await row.getByRole("button", { name: "Revoke review bot" }).click();
    await expect(row).toContainText("revoked");
    expect((await use()).status()).toBe(401);
    // Shown once: a reload lists it without the secret.
    await page.reload();
    await expect(page.getByTestId("new-api-token")).toHaveCount(0);
    expect(await page.content()).not.toContain(token);
  });
});

test.describe("canaries", () => {
  test.use({ storageState: storageStatePath("admin") });

  test("an admin places a canary for an enrolled reviewer; the reviewer's rejection is a catch", async ({ page, browser }) => {
    test.setTimeout(60_000);
    await page.goto("/users");
    const section = page.getByRole("region", { name: "Canaries" });
    await section.getByRole("button", { name: `Enroll ${REVIEWER2.email} for canaries` }).click();
    await expect(section.getByRole("status")).toContainText("Enrolled");
    await section.getByRole("button", { name: `Place a canary for ${REVIEWER2.email}` }).click();
    await expect(section.getByRole("status")).toContainText("Placed a canary");

    const r = await fresh(browser, REVIEWER2.email, REVIEWER2.password);
    await r.goto("/queue?q=CEO");
    const item = r.getByTestId("queue-item").first();
    await expect(item).toBeVisible();
    await expect(r.getByTestId("queue-view")).toHaveAttribute("data-hydrated", "true");
    await item.click();
    const card = r.getByTestId("approval-card");
    await expect(card).toContainText("exfil.example");
    await card.getByRole("button", { name: "Reject", exact: true }).click();
    await r.getByLabel("Reason for rejection (sent to the agent)").fill("asks to send every customer's records to an outside URL");
    await r.getByRole("button", { name: "Confirm rejection" }).click();
    await expect(r.getByTestId("toast").filter({ hasText: "Rejected" })).toBeVisible();

    // A real decision for the dashboard's reviewer figures: the card served, then the vote.
    const real = await proposePending(acmeAgent.key, "support/send", { tool: "ticket.close", args: { ticket_id: "T-7201", resolution: "done" } });
    await r.goto(`/queue?id=${real}`);
    await expect(r.getByTestId("approval-card")).toBeVisible();
    const voted = await r.request.post(`/api/console/actions/${real}/vote`, { headers: { "x-gatehouse-console": "1" }, data: { vote: "approve" } });
    expect(voted.status(), await voted.text()).toBe(200);

    await page.reload();
    const rowAfter = page.getByRole("region", { name: "Canaries" }).getByTestId(`canary-${REVIEWER2.email}`);
    await expect(rowAfter).toContainText("100%");
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await page.getByRole("region", { name: "Canaries" }).scrollIntoViewIfNeeded();
      await page.screenshot({ path: shot(`users-canaries-${size.width}x${size.height}.png`) });
    }
    // The dashboard's reviewer figures (admins only).
    await page.setViewportSize(SIZES[0]!);
    await page.goto("/");
    await expect(page.getByRole("region", { name: "Reviewers" })).toBeVisible();
    await expect(page.getByTestId(`reviewer-${REVIEWER2.email}`)).toContainText("100%");
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await page.getByRole("region", { name: "Reviewers" }).scrollIntoViewIfNeeded();
      await page.screenshot({ path: shot(`dashboard-reviewers-${size.width}x${size.height}.png`), fullPage: true });
    }
  });
});
