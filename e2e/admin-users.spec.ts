import { expect, test, type Browser, type Page } from "@playwright/test";
import { ADMIN2, DEMO_LOGINS, storageStatePath } from "./support/constants";
import { signIn } from "./support/sign-in";
import { bootstrapAdmin } from "./support/short-ttl-agent";

// Users and the tool catalog, driven through the console as the demo admin.

const NEW = { email: "e2e-person@gatehouse.local", name: "E2E Person", password: "first-password-1", next: "second-password-2" };

const row = (page: Page, email: string) => page.getByTestId(`user-${email}`);

/** As admin2 (a second admin), approve the pending grant for `email` on the users page. */
async function approveAsAdmin2(browser: Browser, email: string): Promise<void> {
  const ctx = await browser.newContext({ storageState: undefined });
  const p = await ctx.newPage();
  await signIn(p, ADMIN2.email, ADMIN2.password);
  await p.goto("/users");
  await p.getByRole("button", { name: `Approve grant for ${email}` }).click();
  await expect(p.getByRole("status")).toContainText("Approved");
  await ctx.close();
}

async function userId(page: Page, email: string): Promise<string> {
  const body = (await (await page.request.get("/api/console/users")).json()) as { users: { id: string; email: string }[] };
  return body.users.find((u) => u.email === email)!.id;
}

test.describe.serial("users as admin", () => {
  test.use({ storageState: storageStatePath("admin") });

  test("create a user, sign in as them, change roles, reset the password, disable, delete", async ({ page, browser }) => {
    test.slow(); // three sign-ins (argon2id) and a dozen round trips
    await page.goto("/users");
    await expect(page.getByRole("heading", { level: 1, name: "Users" })).toBeVisible();
    await expect(row(page, DEMO_LOGINS.admin.email)).toContainText("(you)");

    const form = page.getByRole("form", { name: "New user" });
    await form.getByLabel("Email").fill(NEW.email);
    await form.getByLabel("Name").fill(NEW.name);
    await form.getByLabel("Initial password").fill(NEW.password);
    await form.getByRole("checkbox", { name: "viewer", exact: true }).uncheck();
    await form.getByRole("checkbox", { name: "reviewer", exact: true }).check();
    await form.getByRole("button", { name: "Create user" }).click();
    // A reviewer counts toward a two-person rule: the account exists once a second admin approves.
    await expect(page.getByRole("status")).toContainText("another admin approves");
    await expect(page.getByTestId(`grant-${NEW.email}`)).toContainText("Your request");
    await expect(row(page, NEW.email)).toHaveCount(0);
    await approveAsAdmin2(browser, NEW.email);
    await page.reload();
    await expect(row(page, NEW.email)).toContainText("reviewer");
    await expect(row(page, NEW.email)).toContainText("never");

    // The new account works.
    const ctx = await browser.newContext({ storageState: undefined });
    const them = await ctx.newPage();
    await signIn(them, NEW.email, NEW.password);
    await expect(them.getByLabel("Roles")).toContainText("reviewer");

    // Roles: add viewer.
    await page.getByRole("button", { name: `Edit roles of ${NEW.email}` }).click();
    const rolesForm = page.getByRole("form", { name: `Roles for ${NEW.email}` });
    await rolesForm.getByRole("checkbox", { name: "viewer", exact: true }).check();
    await rolesForm.getByRole("button", { name: "Save roles" }).click();
    await expect(page.getByRole("status")).toContainText(`Saved roles of ${NEW.email}`);
    await expect(row(page, NEW.email)).toContainText("viewer");
    await page.reload();
    await expect(row(page, NEW.email)).not.toContainText("never");

    // Reset password: the new one signs in.
    await page.getByRole("button", { name: `Reset password of ${NEW.email}` }).click();
    const pw = page.getByRole("form", { name: `New password for ${NEW.email}` });
    await pw.getByLabel("New password").fill(NEW.next);
    await pw.getByRole("button", { name: "Set password" }).click();
    await expect(page.getByRole("status")).toContainText("another admin approves");
    await approveAsAdmin2(browser, NEW.email);
    const ctx2 = await browser.newContext({ storageState: undefined });
    const again = await ctx2.newPage();
    await signIn(again, NEW.email, NEW.next);
    await ctx2.close();

    // Disable: their open session stops working at once.
    await page.getByRole("button", { name: `Disable ${NEW.email}` }).click();
    await expect(row(page, NEW.email)).toContainText("disabled");
    await them.goto("/queue");
    await expect(them).toHaveURL(/\/signin/);
    await ctx.close();

    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: `Delete ${NEW.email}` }).click();
    await expect(page.getByRole("status")).toContainText(`Deleted ${NEW.email}`);
    await expect(row(page, NEW.email)).toHaveCount(0);
  });

  test("the last enabled admin cannot be demoted or disabled; the page says why", async ({ page }) => {
    await page.goto("/users");
    const admin2Id = await userId(page, ADMIN2.email);
    try {
      await page.getByRole("button", { name: `Disable ${ADMIN2.email}` }).click();
      await expect(row(page, ADMIN2.email)).toContainText("disabled");

      await page.getByRole("button", { name: `Edit roles of ${DEMO_LOGINS.admin.email}` }).click();
      const rolesForm = page.getByRole("form", { name: `Roles for ${DEMO_LOGINS.admin.email}` });
      await rolesForm.getByRole("checkbox", { name: "admin", exact: true }).uncheck();
      await rolesForm.getByRole("checkbox", { name: "viewer", exact: true }).check();
      await rolesForm.getByRole("button", { name: "Save roles" }).click();
      await expect(page.getByRole("alert").filter({ hasText: "leave no enabled admin" })).toBeVisible();

      await page.getByRole("button", { name: `Disable ${DEMO_LOGINS.admin.email}` }).click();
      await expect(page.getByRole("alert").filter({ hasText: "leave no enabled admin" })).toBeVisible();
      await page.reload();
      await expect(row(page, DEMO_LOGINS.admin.email)).toContainText("admin");
      await expect(row(page, DEMO_LOGINS.admin.email)).toContainText("enabled");
    } finally {
      // Other specs sign in as admin2. Re-enabling an admin is a grant, and the only other admin asked for it:
      // the request stays pending, and the operator restores admin2 from the host.
      const res = await page.request.patch(`/api/console/users/${admin2Id}`, { headers: { "X-Gatehouse-Console": "1" }, data: { disabled: false } });
      expect(res.status()).toBe(202);
      bootstrapAdmin(ADMIN2.email, ADMIN2.password);
      const grant = ((await res.json()) as { grant_id: string }).grant_id;
      await page.request.post(`/api/console/user-grants/${grant}/reject`, { headers: { "X-Gatehouse-Console": "1" }, data: {} });
    }
  });
});

test.describe("tool catalog as admin", () => {
  test.use({ storageState: storageStatePath("admin") });

  test("add a tool, see a bad schema refused by the server, lower its kind with a second admin, delete it", async ({ page, browser }) => {
    test.slow(); // a second admin signs in
    await page.goto("/tools");
    await page.getByRole("button", { name: "New tool" }).click();
    const form = page.getByRole("form", { name: "New tool" });
    await form.getByLabel("Tool name").fill("crm.note_add");
    await form.getByLabel("Kind").selectOption("write");
    await form.getByLabel("Summary template").fill("Add a note to {record_id}");
    await form.getByLabel("Args JSON Schema").fill(JSON.stringify({ type: "object", properties: { record_id: { type: "string", minLength: "one" } } }));
    await form.getByLabel("Blast radius scope").fill("one CRM record");
    await form.getByLabel("Records at most").fill("1");
    await form.getByRole("button", { name: "Create tool" }).click();
    await expect(form.getByRole("list", { name: "Problems with the tool" })).toContainText("argsSchema");

    await form
      .getByLabel("Args JSON Schema")
      .fill(JSON.stringify({ type: "object", properties: { record_id: { type: "string" } }, required: ["record_id"], additionalProperties: false }));
    await form.getByRole("button", { name: "Create tool" }).click();
    await expect(page.getByTestId("tool-result")).toContainText("Added crm.note_add");
    await expect(page.getByTestId("tool-crm.note_add")).toContainText("write");

    // write → read is a widening: recorded, not applied.
    await page.getByRole("button", { name: "Edit crm.note_add" }).click();
    const edit = page.getByRole("form", { name: "Edit tool crm.note_add" });
    await edit.getByLabel("Kind").selectOption("read");
    await edit.getByRole("button", { name: "Save tool" }).click();
    await expect(page.getByTestId("tool-result")).toContainText("A second admin must approve it");
    await expect(page.getByTestId("tool-crm.note_add")).toContainText("write");
    const pending = page.getByRole("region", { name: "Pending tool changes" });
    await expect(pending).toContainText("Your request: a second admin must approve it.");
    await expect(pending.getByRole("button", { name: "Approve change to crm.note_add" })).toHaveCount(0);

    const ctx = await browser.newContext({ storageState: undefined });
    const other = await ctx.newPage();
    await signIn(other, ADMIN2.email, ADMIN2.password);
    await other.goto("/tools");
    await expect(other.getByRole("region", { name: "Pending tool changes" })).toContainText(`requested by ${DEMO_LOGINS.admin.email}`);
    await other.getByRole("button", { name: "Approve change to crm.note_add" }).click();
    await expect(other.getByTestId("tool-result")).toContainText("Approved");
    await expect(other.getByTestId("tool-crm.note_add")).toContainText("read");
    await ctx.close();

    await page.reload();
    await expect(page.getByTestId("tool-crm.note_add")).toContainText("read");
    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "Delete crm.note_add" }).click();
    await expect(page.getByTestId("tool-crm.note_add")).toHaveCount(0);
  });
});

test.describe("a viewer", () => {
  test.use({ storageState: storageStatePath("viewer") });

  test("gets 403 on /users and /tools and from the users API", async ({ page }) => {
    for (const path of ["/users", "/tools"]) {
      const res = await page.goto(path);
      expect(res?.status()).toBe(403);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText("403 — Forbidden");
    }
    expect((await page.request.get("/api/console/users")).status()).toBe(403);
  });
});
