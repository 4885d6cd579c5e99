import { expect, type Page } from "@playwright/test";

/** Fill the sign-in form and submit; resolves once the server has answered the submit. */
export async function submitSignIn(page: Page, email: string, password: string): Promise<void> {
  if (!new URL(page.url(), "http://x").pathname.startsWith("/signin")) await page.goto("/signin");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST"),
    page.getByRole("button", { name: "Sign in" }).click(),
  ]);
}

/** Sign in and wait for the dashboard. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await submitSignIn(page, email, password);
  await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
}
