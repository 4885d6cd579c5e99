import path from "node:path";
import { expect, test } from "@playwright/test";
import { ADMIN2, DEMO_LOGINS, storageStatePath } from "./support/constants";
import { signIn } from "./support/sign-in";

// Reviewer groups and routing on /users (joining a group waits for a second
// admin), and linking a Slack identity on /account; at 1280x800 and 390x844.
// The member is the demo viewer and the routing names a tenant no other spec
// uses, so no other spec's reviewers or queue change.

const GROUP = "security-e2e";
const SIZES = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
] as const;

test.describe.serial("reviewer groups", () => {
  test.use({ storageState: storageStatePath("admin") });

  test("create a group, ask for a member, a second admin approves, route a tenant's route to it", async ({ page, browser }) => {
    test.slow();
    await page.goto("/users");
    const section = page.getByTestId("reviewer-groups");
    await section.getByLabel("New group").fill(GROUP);
    await section.getByRole("button", { name: "Create group" }).click();
    await expect(section.getByRole("status")).toContainText(`Created group ${GROUP}`);
    const row = page.getByTestId(`group-${GROUP}`);
    await row.getByLabel(`User to add to ${GROUP}`).selectOption({ label: DEMO_LOGINS.viewer.email });
    await row.getByRole("button", { name: "Request" }).click();
    await expect(section.getByRole("status")).toContainText("another admin approves");
    await expect(row).toContainText("no members");
    await expect(page.getByTestId(`grant-${DEMO_LOGINS.viewer.email}`)).toContainText(`group: ${GROUP}`);

    const ctx = await browser.newContext({ storageState: undefined });
    const other = await ctx.newPage();
    await signIn(other, ADMIN2.email, ADMIN2.password);
    await other.goto("/users");
    await other.getByRole("button", { name: `Approve grant for ${DEMO_LOGINS.viewer.email}` }).click();
    await expect(other.getByRole("status").first()).toContainText("Approved");
    await ctx.close();

    await page.reload();
    await expect(page.getByTestId(`group-${GROUP}`)).toContainText(DEMO_LOGINS.viewer.email);
    const form = page.getByRole("form", { name: "Set a route's reviewers" });
    await form.getByLabel("Route").selectOption("support/send");
    await form.getByLabel("Tenant (* for every tenant)").fill("e2e-tenant");
    await form.getByLabel("Reviewed by").selectOption({ label: GROUP });
    await form.getByLabel("Escalation chain, in order").selectOption([{ label: GROUP }]);
    await form.getByRole("checkbox", { name: GROUP }).check();
    await form.getByRole("button", { name: "Save routing" }).click();
    await expect(section.getByRole("status")).toContainText("Routing for support/send saved");
    const routing = page.getByTestId("routing-support/send-e2e-tenant");
    await expect(routing).toContainText(GROUP);
    // Dropping the required group weakens a two-person rule: it waits for a second admin.
    await form.getByRole("checkbox", { name: GROUP }).uncheck();
    await form.getByRole("button", { name: "Save routing" }).click();
    await expect(section.getByRole("status")).toContainText("waits for a second admin");
    await expect(routing.getByTestId("routing-pending")).toContainText("your request");
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await section.scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join("e2e", "screenshots", `reviewer-groups-${size.width}x${size.height}.png`), fullPage: true });
    }
  });
});

test.describe("Slack linking", () => {
  test.use({ storageState: storageStatePath("reviewer") });

  test("a reviewer makes a one-time link code on /account", async ({ page }) => {
    await page.goto("/account");
    const box = page.getByTestId("slack-link");
    await expect(box).toContainText("Not linked");
    await box.getByRole("button", { name: "Make a link code" }).click();
    await expect(page.getByTestId("slack-code")).toContainText(/\/gatehouse link [A-Z2-9]{5}-[A-Z2-9]{5}/);
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await page.screenshot({ path: path.join("e2e", "screenshots", `account-slack-${size.width}x${size.height}.png`), fullPage: true });
    }
  });
});
