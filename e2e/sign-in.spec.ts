import { expect, test } from "@playwright/test";
import { ADMIN2, REVIEWER2 } from "./support/constants";
import { signIn, submitSignIn } from "./support/sign-in";

// Fresh sessions with their own accounts, so the shared per-role sessions are not touched.
test.use({ storageState: { cookies: [], origins: [] } });

test("a wrong password shows an error and no session", async ({ page }) => {
  await submitSignIn(page, ADMIN2.email, "not-the-password");
  await expect(page.getByRole("alert")).toContainText("Invalid email or password");
  await expect(page).toHaveURL(/\/signin/);
  await page.goto("/");
  await expect(page).toHaveURL(/\/signin/);
});

test("sign-out returns to sign-in and ends the session", async ({ page }) => {
  await signIn(page, ADMIN2.email, ADMIN2.password);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin/);
  await page.goto("/");
  await expect(page).toHaveURL(/\/signin/);
  await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toHaveCount(0);
});

// Last in the file: it locks reviewer2 out for the rest of the run.
test("after five wrong passwords even the right one is refused", async ({ page }) => {
  for (let i = 0; i < 5; i++) {
    await submitSignIn(page, REVIEWER2.email, `wrong-${i}`);
    await expect(page.getByRole("alert")).toBeVisible();
  }
  await submitSignIn(page, REVIEWER2.email, REVIEWER2.password);
  await expect(page.getByRole("alert")).toContainText("Too many attempts");
  await page.goto("/");
  await expect(page).toHaveURL(/\/signin/);
});
