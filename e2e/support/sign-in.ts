import { expect, type Page } from "@playwright/test";

/**
 * Wait until React has hydrated the sign-in form. Typing into the server-rendered
 * form before that is lost when React takes over, and a click would submit the
 * bare HTML form instead of the app's handler. React marks hydrated DOM nodes
 * with `__reactProps$…` keys; there is no public signal for this.
 */
async function waitForHydratedForm(page: Page): Promise<void> {
  const button = page.getByRole("button", { name: "Sign in" });
  await expect(button).toBeVisible();
  await button.evaluate(
    (el) =>
      new Promise<void>((resolve) => {
        const check = () => (Object.keys(el).some((k) => k.startsWith("__reactProps")) ? resolve() : setTimeout(check, 50));
        check();
      }),
  );
}

/** Fill the sign-in form and submit; resolves once the server has answered the submit. */
export async function submitSignIn(page: Page, email: string, password: string): Promise<void> {
  if (!new URL(page.url(), "http://x").pathname.startsWith("/signin")) await page.goto("/signin");
  await waitForHydratedForm(page);
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), page.getByRole("button", { name: "Sign in" }).click()]);
}

/** Sign in and wait for the dashboard. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await submitSignIn(page, email, password);
  await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
}
