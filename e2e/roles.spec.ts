import { expect, test } from "@playwright/test";
import { DEMO_LOGINS, storageStatePath, type DemoRole } from "./support/constants";

for (const role of Object.keys(DEMO_LOGINS) as DemoRole[]) {
  const login = DEMO_LOGINS[role];
  test.describe(`signed in as ${role}`, () => {
    test.use({ storageState: storageStatePath(role) });

    test("sees the dashboard with their email and roles in the header", async ({ page }) => {
      await page.goto("/");
      await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
      const header = page.getByRole("banner");
      await expect(header).toContainText(login.email);
      for (const r of login.roles) await expect(header).toContainText(r);
      await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
    });
  });
}

test.describe("admin", () => {
  test.use({ storageState: storageStatePath("admin") });

  test("sees the policies page listing the four demo routes", async ({ page }) => {
    const res = await page.goto("/policies");
    expect(res?.status()).toBe(200);
    for (const route of ["support/draft", "support/send", "research", "ops/triage"]) {
      await expect(page.getByText(route, { exact: true }).first()).toBeVisible();
    }
  });

  test("gets the policies API", async ({ page }) => {
    const res = await page.request.get("/api/console/policies");
    expect(res.status()).toBe(200);
  });
});
