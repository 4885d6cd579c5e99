import { expect, test } from "@playwright/test";
import { REVIEWER2 } from "./support/constants";
import { submitSignIn } from "./support/sign-in";

// Runs in its own Playwright project after every other spec: it locks reviewer2
// out for the rate-limit window, and other specs use reviewer2 as a second approver.
test.use({ storageState: { cookies: [], origins: [] } });

test("after five wrong passwords even the right one is refused", async ({ page }) => {
  for (let i = 0; i < 5; i++) {
    await submitSignIn(page, REVIEWER2.email, `wrong-${i}`);
    await expect(page.getByRole("alert").filter({ hasText: "Invalid email or password" })).toBeVisible();
  }
  await submitSignIn(page, REVIEWER2.email, REVIEWER2.password);
  await expect(page.getByRole("alert").filter({ hasText: "Too many attempts" })).toBeVisible();
  await page.goto("/");
  await expect(page).toHaveURL(/\/signin/);
});
