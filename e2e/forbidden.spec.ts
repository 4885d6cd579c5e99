import { expect, test } from "@playwright/test";
import { storageStatePath } from "./support/constants";

test.describe("a viewer", () => {
  test.use({ storageState: storageStatePath("viewer") });

  test("gets a 403 page on /policies", async ({ page }) => {
    const res = await page.goto("/policies");
    expect(res?.status()).toBe(403);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("403 — Forbidden");
    await expect(page.getByText("support/draft")).toHaveCount(0);
  });

  test("gets 403 from the policies API", async ({ page }) => {
    const res = await page.request.get("/api/console/policies");
    expect(res.status()).toBe(403);
    expect(res.headers()["content-type"]).toContain("application/json");
  });
});

test.describe("a reviewer", () => {
  test.use({ storageState: storageStatePath("reviewer") });

  test("gets 403 from the policies API", async ({ page }) => {
    const res = await page.request.get("/api/console/policies");
    expect(res.status()).toBe(403);
  });
});

test.describe("without a session", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("the policies API answers 401", async ({ request }) => {
    const res = await request.get("/api/console/policies");
    expect(res.status()).toBe(401);
    expect(res.headers()["content-type"]).toContain("application/json");
  });

  test("a console page redirects to sign-in", async ({ page }) => {
    await page.goto("/policies");
    await expect(page).toHaveURL(/\/signin/);
  });
});
