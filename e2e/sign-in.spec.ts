import { expect, test } from "@playwright/test";
import { ADMIN2 } from "./support/constants";
import { signIn, submitSignIn } from "./support/sign-in";

// Fresh sessions with their own accounts, so the shared per-role sessions are not touched.
test.use({ storageState: { cookies: [], origins: [] } });

test("a wrong password shows an error and no session", async ({ page }) => {
  await submitSignIn(page, ADMIN2.email, "not-the-password");
  await expect(page.getByRole("alert").filter({ hasText: "Invalid email or password" })).toBeVisible();
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

test.describe("before the page's script runs", () => {
  test.use({ javaScriptEnabled: false });

  test("submitting the form never puts the password in the URL", async ({ page }) => {
    await page.goto("/signin");
    await page.getByLabel("Email", { exact: true }).fill(ADMIN2.email);
    await page.getByLabel("Password", { exact: true }).fill("typed-before-hydration");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForLoadState();
    expect(page.url()).not.toContain("typed-before-hydration");
    expect(page.url()).not.toContain("password=");
  });
});

test("a hostile callbackUrl (/%09/evil.example) still lands on the console after sign-in", async ({ page, baseURL }) => {
  await page.goto("/signin?callbackUrl=/%09/evil.example");
  await signIn(page, ADMIN2.email, ADMIN2.password);
  expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
  // Signed in, the same link answers with a redirect to this origin too.
  await page.goto("/signin?callbackUrl=/%09/evil.example");
  await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
  expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
});
