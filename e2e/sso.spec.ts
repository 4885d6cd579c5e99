import path from "node:path";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { ADMIN2, storageStatePath } from "./support/constants";
import { proposePending } from "./support/agent-api";
import { signIn } from "./support/sign-in";

/**
 * Issue 22's SSO must-show: a real OpenID Connect provider (e2e/support/test-idp.ts,
 * oidc-provider with its own login and consent pages) signs a person in through the
 * browser; their group maps to a role and scopes, set in the console by one admin and
 * approved by a second. A reviewer mapped to acme/prod sees acme and no globex action;
 * a person whose groups map to nothing is refused.
 */

const acmeAgent = DEMO_AGENTS.find((a) => a.name === "acme-support")!;
const globexAgent = DEMO_AGENTS.find((a) => a.name === "globex-support")!;
const shot = (name: string) => path.join("e2e", "screenshots", name);

async function fresh(browser: Browser): Promise<Page> {
  return (await browser.newContext({ storageState: undefined })).newPage();
}

/** Through Gatehouse's button, the provider's login page and its consent page, back to Gatehouse. */
async function ssoSignIn(page: Page, login: string): Promise<void> {
  await page.goto("/signin");
  const button = page.getByRole("button", { name: "Continue with Test IdP" });
  await expect(button).toBeVisible();
  await button.evaluate(
    (el) =>
      new Promise<void>((resolve) => {
        const check = () => (Object.keys(el).some((k) => k.startsWith("__reactProps")) ? resolve() : setTimeout(check, 50));
        check();
      }),
  );
  await button.click();
  await page.waitForURL(/127\.0\.0\.1:\d+\/interaction\//);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("any password: the test provider accepts it");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
}

test.describe("single sign-on through the test identity provider", () => {
  test.use({ storageState: storageStatePath("admin") });

  test("a group mapped to reviewer of acme/prod signs in and sees no globex action; an unmapped group is refused", async ({ page, browser }) => {
    test.setTimeout(90_000);
    // One admin maps the group in the console ...
    await page.goto("/users");
    const section = page.getByRole("region", { name: "Single sign-on groups" });
    await section.getByLabel("Group").fill("e2e-acme-reviewers");
    await section.getByLabel("Scopes (tenant/env, * for all)").fill("acme/prod");
    await section.getByRole("button", { name: "Save group" }).click();
    await expect(section.getByRole("status")).toContainText("another admin approves it");
    await expect(page.getByTestId("grant-e2e-acme-reviewers")).toContainText("on acme/prod");

    // ... and a second admin approves it.
    const admin2 = await fresh(browser);
    await admin2.goto("/signin");
    await signIn(admin2, ADMIN2.email, ADMIN2.password);
    await admin2.goto("/users");
    await admin2.getByRole("button", { name: "Approve grant for e2e-acme-reviewers" }).click();
    await expect(admin2.getByTestId("sso-group-e2e-acme-reviewers")).toContainText("reviewer");
    for (const size of [
      { width: 1280, height: 800 },
      { width: 390, height: 844 },
    ]) {
      await admin2.setViewportSize(size);
      await admin2.getByRole("region", { name: "Single sign-on groups" }).scrollIntoViewIfNeeded();
      await admin2.screenshot({ path: shot(`users-sso-groups-${size.width}x${size.height}.png`), fullPage: true });
    }

    const acmeId = await proposePending(acmeAgent.key, "support/send", { tool: "ticket.close", args: { ticket_id: "T-7101", resolution: "acme sso-visible resolution" } });
    const globexId = await proposePending(globexAgent.key, "support/send", { tool: "ticket.close", args: { ticket_id: "T-7102", resolution: "globex sso-hidden resolution" } });

    const r = await fresh(browser);
    for (const size of [
      { width: 1280, height: 800 },
      { width: 390, height: 844 },
    ]) {
      await r.setViewportSize(size);
      await r.goto("/signin");
      await expect(r.getByRole("button", { name: "Continue with Test IdP" })).toBeVisible();
      await r.screenshot({ path: shot(`signin-sso-${size.width}x${size.height}.png`) });
    }
    await r.setViewportSize({ width: 1280, height: 800 });
    await ssoSignIn(r, "sso-acme");
    await expect(r.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
    await expect(r.getByTestId("user-email")).toHaveText("sso.acme@idp.example");

    await r.goto(`/queue?id=${acmeId}`);
    await expect(r.getByText("acme sso-visible resolution").first()).toBeVisible();
    for (const where of ["/queue", "/actions", "/audit", "/"]) {
      await r.goto(where);
      await expect(r.locator("main")).toBeVisible();
      expect((await r.locator("body").innerText()).toLowerCase(), `${where} names globex`).not.toContain("globex");
      expect(await r.content(), `${where} carries the globex action id`).not.toContain(globexId);
    }
    expect((await r.request.get(`/api/console/actions/${globexId}`)).status()).toBe(404);
    // Admin pages are not a reviewer's.
    expect((await r.goto("/users"))?.status()).toBe(403);

    const nobody = await fresh(browser);
    await ssoSignIn(nobody, "sso-nobody");
    await expect(nobody.getByText("That account is not allowed to sign in")).toBeVisible();
    await expect(nobody).toHaveURL(/\/signin/);
  });
});
