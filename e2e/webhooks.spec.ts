import { expect, test } from "@playwright/test";
import { E2E_BASE_URL, storageStatePath } from "./support/constants";

// The delivery log on the settings page: counts by status, a status filter, and keyset pages an old delivery is
// reachable through, in a real browser against the real server.

const consoleHeaders = { "X-Gatehouse-Console": "1", Origin: E2E_BASE_URL, "Content-Type": "application/json" };

test.describe("the webhook delivery log", () => {
  test.use({ storageState: storageStatePath("admin") });

  test("counts by status, filters, and pages Older and Newer", async ({ page }) => {
    test.setTimeout(120_000);
    // An endpoint nobody answers (a closed local port), so its deliveries stay pending and retry.
    const created = await page.request.post("/api/console/webhooks", {
      headers: consoleHeaders,
      data: { url: "http://127.0.0.1:9/e2e-log", events: ["break_glass.opened"], allowPrivate: true },
    });
    expect(created.status()).toBe(201);
    const endpoint = (await created.json()) as { id: string };
    try {
      for (let i = 0; i < 51; i++) expect((await page.request.post(`/api/console/webhooks/${endpoint.id}/test`, { headers: consoleHeaders })).status()).toBeLessThan(300);
      const api = (await (await page.request.get("/api/console/webhooks")).json()) as { deliveries: { counts: Record<string, number>; older: string | null } };
      expect(api.deliveries.older).not.toBeNull();
      const total = Object.values(api.deliveries.counts).reduce((n, c) => n + c, 0);

      await page.goto("/settings");
      const status = page.getByLabel("Delivery status");
      await expect(status.locator("option").first()).toHaveText(`all (${total.toLocaleString("en-US")})`);
      await expect(page.getByTestId("delivery-page")).toHaveText("The newest deliveries, 50 a page");
      await expect(page.getByTestId("delivery-retention")).toHaveText(
        "A finished delivery is kept 30 days after its last attempt, then deleted (the audit log keeps a record of each batch).",
      );
      // The deployment facts say what each kind of record is kept for.
      await expect(page.getByText("Retention: Webhook and callback deliveries")).toBeVisible();
      await expect(page.getByText("30 days after the last attempt, then deleted").first()).toBeVisible();
      await expect(page.getByText("7 days after the action's final state, then reduced to the audit copy")).toBeVisible();
      await expect(page.getByText("1 day after the call ends, then deleted")).toBeVisible();
      await expect(page.getByText("kept: never trimmed by Gatehouse")).toBeVisible();
      const log = page.getByRole("table", { name: "Delivery log" });
      const newest = await log.locator("tbody tr").first().textContent();

      await page.getByRole("button", { name: "Older" }).click();
      await expect(page.getByTestId("delivery-page")).toContainText("Older deliveries");
      await expect(log.locator("tbody tr").first()).not.toHaveText(newest!);
      await page.getByRole("button", { name: "Newer" }).click();
      await expect(page.getByTestId("delivery-page")).toHaveText("The newest deliveries, 50 a page");
      await expect(log.locator("tbody tr").first()).toHaveText(newest!);

      // One status only: every row has it; a status nothing has says so.
      await status.selectOption("pending");
      await expect(log.locator("tbody tr").first()).toContainText("pending");
      await expect(log.locator("tbody tr").filter({ hasNotText: "pending" })).toHaveCount(0);
      const gone = api.deliveries.counts.gone ?? 0;
      if (gone === 0) {
        await status.selectOption("gone");
        await expect(page.getByText("No gone delivery.")).toBeVisible();
      }
      expect((await page.request.get("/api/console/webhooks?status=lost", { headers: consoleHeaders })).status()).toBe(422);
    } finally {
      await page.request.delete(`/api/console/webhooks/${endpoint.id}`, { headers: consoleHeaders });
    }
  });
});
