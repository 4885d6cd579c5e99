import { expect, test, type Page } from "@playwright/test";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { ADMIN2, storageStatePath } from "./support/constants";
import { signIn } from "./support/sign-in";

const acme = DEMO_AGENTS.find((a) => a.name === "acme-support")!;

async function agent(request: Page["request"], key: string, path: string, body: unknown) {
  const res = await request.post(`/api/v1${path}`, { headers: { authorization: `Bearer ${key}` }, data: body });
  return { status: res.status(), body: (await res.json()) as Record<string, any> };
}
let n = 0;
async function proposeOn(request: Page["request"], key: string, route: string, tool: string, args: Record<string, unknown>) {
  const run = await agent(request, key, "/runs", { route });
  if (run.status !== 201) return run;
  return agent(request, key, "/actions", { run_id: run.body.run_id, tool, args, idempotency_key: `e2e-${Date.now()}-${++n}` });
}
const mail = { ticket_id: "T-1", to: "c@example.com", subject: "Hi", body: "Hello" };

async function editJson(page: Page, patch: (p: Record<string, any>) => Record<string, any>) {
  await page.getByRole("tab", { name: "JSON" }).click();
  const box = page.getByLabel("Policy JSON");
  const current = JSON.parse(await box.inputValue()) as Record<string, any>;
  await box.fill(JSON.stringify(patch(current), null, 2));
}

test.describe.serial("policies as admin", () => {
  test.use({ storageState: storageStatePath("admin") });

  test("a widening waits for a second admin; only then does email.send stop being denied", async ({ page, browser }) => {
    test.slow(); // a second admin signs in, and the agent API is called five times
    expect((await proposeOn(page.request, acme.key, "support/draft", "email.send", mail)).status).toBe(403);
    await page.goto("/policies/support/draft");
    // The seeded expectation "email.send is denied" would block this widening. Deleting a test takes two admins.
    await page.getByRole("button", { name: "Delete test email.send denied" }).click();
    await expect(page.getByText("deletion requested by admin@gatehouse.local")).toBeVisible();
    await expect(page.getByRole("button", { name: "Approve deleting test email.send denied" })).toHaveCount(0);
    const ctx = await browser.newContext({ storageState: undefined });
    const other = await ctx.newPage();
    await signIn(other, ADMIN2.email, ADMIN2.password);
    await other.goto("/policies/support/draft");
    await other.getByRole("button", { name: "Approve deleting test email.send denied" }).click();
    await expect(other.getByRole("button", { name: "Approve deleting test email.send denied" })).toHaveCount(0);
    await page.reload();
    await expect(page.getByRole("button", { name: "Delete test email.send denied" })).toHaveCount(0);

    await editJson(page, (p) => ({ ...p, deny_tools: p.deny_tools.filter((t: string) => t !== "email.send"), allow_tools: [...p.allow_tools, "email.send"] }));
    await expect(page.getByLabel("Diff against the active version").first()).toContainText("email.send");
    await page.getByLabel("Reason for the change").fill("pilot: let drafts send");
    await page.getByRole("button", { name: "Save policy" }).click();
    await expect(page.getByTestId("change-result")).toContainText("pending until a second admin approves");
    await expect(page.getByTestId("change-result")).toContainText("email.send: denied → pending(1)");
    await expect(page.getByText("Your change: a second admin must approve it.")).toBeVisible();
    await expect(page.getByRole("button", { name: /^Approve v/ })).toHaveCount(0);
    // The author's own approve over the API is refused too.
    const versionId = await page.evaluate(async () => {
      const d = await (await fetch("/api/console/policies/detail?route=support/draft")).json();
      return d.versions.find((v: { status: string }) => v.status === "pending").id as string;
    });
    const self = await page.request.post(`/api/console/policies/changes/${versionId}/approve`, { headers: { "X-Gatehouse-Console": "1" } });
    expect(self.status()).toBe(403);
    expect((await proposeOn(page.request, acme.key, "support/draft", "email.send", mail)).status).toBe(403);

    await other.reload();
    await other.getByRole("button", { name: /^Approve v/ }).click();
    await expect(other.getByTestId("change-result")).toContainText("is now active");
    await ctx.close();

    const after = await proposeOn(page.request, acme.key, "support/draft", "email.send", mail);
    expect(after.status).toBe(202);
    expect(after.body.status).toBe("pending");

    // Narrow back at once (narrowing needs no second admin), so other specs see the seeded policy.
    await page.reload();
    await editJson(page, (p) => ({ ...p, allow_tools: p.allow_tools.filter((t: string) => t !== "email.send"), deny_tools: [...p.deny_tools, "email.send"] }));
    await page.getByLabel("Reason for the change").fill("pilot over");
    await page.getByRole("button", { name: "Save policy" }).click();
    await expect(page.getByTestId("change-result")).toContainText("is now active");
    expect((await proposeOn(page.request, acme.key, "support/draft", "email.send", mail)).status).toBe(403);
  });

  test("a change that breaks an expectation is blocked and the failing expectation is shown", async ({ page }) => {
    await page.goto("/policies/support/send");
    await editJson(page, (p) => ({ ...p, require_approval: p.require_approval.filter((t: string) => t !== "email.send"), deny_tools: [...p.deny_tools, "email.send"] }));
    await page.getByLabel("Reason for the change").fill("stop all mail");
    await page.getByRole("button", { name: "Save policy" }).click();
    const result = page.getByTestId("change-result");
    await expect(result).toContainText("blocked");
    await expect(result.getByRole("list", { name: "Failing expectations" })).toContainText("support/send: email.send requires approval");
    await page.reload();
    await expect(page.getByRole("table", { name: "Policy versions" })).toContainText("blocked");
  });

  test("dry-run of a narrowing draft reports the number of changed decisions", async ({ page }) => {
    // History on research: three reads of web.search allowed (acme-research agent).
    const research = DEMO_AGENTS.find((a) => a.name === "acme-research")!;
    for (let i = 0; i < 3; i++) expect((await proposeOn(page.request, research.key, "research", "web.search", { query: `q${i}` })).status).toBe(200);
    await page.goto("/policies/research");
    const detail = await (await page.request.get("/api/console/policies/detail?route=research")).json();
    expect(detail.route).toBe("research");
    await editJson(page, (p) => ({ ...p, allow_tools: p.allow_tools.filter((t: string) => t !== "web.search") }));
    await page.getByRole("button", { name: "Dry-run" }).click();
    await expect(page.getByTestId("dry-run-summary")).toContainText("3 of");
    await expect(page.getByLabel("Dry-run result")).toContainText("allowed → denied: 3");
  });
});

test.describe.serial("semantic policy changes as admin (issue 18)", () => {
  test.use({ storageState: storageStatePath("admin") });

  test("an admin narrows alone; a second admin sees the changed cells, dry-run and test results before approving", async ({ page, browser }) => {
    test.slow(); // a second admin signs in
    const close = { ticket_id: "T-1", resolution: "done" };
    expect((await proposeOn(page.request, acme.key, "support/send", "ticket.close", close)).status).toBe(202);

    // Narrowing into deny_tools applies at once, by one admin, and says which cell changed.
    await page.goto("/policies/support/send");
    await editJson(page, (p) => ({ ...p, require_approval: p.require_approval.filter((t: string) => t !== "ticket.close"), deny_tools: [...p.deny_tools, "ticket.close"] }));
    await page.getByRole("button", { name: "Check draft" }).click();
    const check = page.getByLabel("Draft check");
    await expect(check.getByRole("list", { name: "Changed cells" })).toContainText("Narrows");
    await expect(check.getByRole("list", { name: "Changed cells" })).toContainText("ticket.close: pending(1) → denied");
    await expect(check).toContainText("Saving takes effect at once.");
    await expect(check.getByRole("table", { name: "Effective outcome per tool" })).toContainText("ticket.close");
    await page.getByLabel("Reason for the change").fill("incident: stop closing tickets");
    await page.getByRole("button", { name: "Save policy" }).click();
    await expect(page.getByTestId("change-result")).toContainText("is now active");
    await expect(page.getByTestId("change-result")).toContainText("ticket.close: pending(1) → denied");
    const denied = await proposeOn(page.request, acme.key, "support/send", "ticket.close", close);
    expect(denied.status).toBe(403);
    expect(denied.body.error.reason).toBe("tool_denied");
    // The form shows the new active version (the Deny field now lists ticket.close).
    await page.getByRole("tab", { name: "Form" }).click();
    await expect(page.getByLabel("Deny", { exact: true })).toHaveValue(/ticket\.close/);

    // Undoing it is a widening: pending for a second admin.
    await editJson(page, (p) => ({ ...p, deny_tools: p.deny_tools.filter((t: string) => t !== "ticket.close"), require_approval: [...p.require_approval, "ticket.close"] }));
    await page.getByLabel("Reason for the change").fill("incident over");
    await page.getByRole("button", { name: "Save policy" }).click();
    await expect(page.getByTestId("change-result")).toContainText("pending until a second admin approves");
    await expect(page.getByTestId("change-result")).toContainText("ticket.close: denied → pending(1)");

    const ctx = await browser.newContext({ storageState: undefined });
    const other = await ctx.newPage();
    await signIn(other, ADMIN2.email, ADMIN2.password);
    await other.goto("/policies/support/send");
    const pending = other.locator('[data-testid^="pending-v"]');
    await expect(pending.getByRole("list", { name: "Changed cells" })).toContainText("Widens");
    await expect(pending.getByRole("list", { name: "Changed cells" })).toContainText("ticket.close: denied → pending(1)");
    await expect(pending.getByRole("list", { name: /^Policy tests of v/ })).toContainText("support/send: email.send requires approval — holds.");
    await expect(pending.locator('[data-testid^="pending-dry-run-v"]')).toContainText("denied → pending: 1");
    await other.getByRole("button", { name: /^Approve v/ }).click();
    await expect(other.getByTestId("change-result")).toContainText("is now active");
    await ctx.close();
    expect((await proposeOn(page.request, acme.key, "support/send", "ticket.close", close)).status).toBe(202);
  });
});

test.describe("blast-radius controls as admin", () => {
  test.use({ storageState: storageStatePath("admin") });

  test("a tool kill switch denies the next agent call with kill_switch", async ({ page }) => {
    const globex = DEMO_AGENTS.find((a) => a.name === "globex-support")!;
    expect((await proposeOn(page.request, globex.key, "support/draft", "kb.search", { query: "x" })).status).toBe(200);
    await page.goto("/settings");
    await page.getByLabel("Kill switch tool").selectOption("kb.search");
    await page.getByLabel("Kill switch tenant").selectOption("globex");
    await page.getByLabel("Kill switch reason").fill("e2e incident");
    await page.getByRole("button", { name: "Turn kill switch on" }).click();
    await expect(page.getByTestId("kill-tool:globex:kb.search")).toBeVisible();
    const denied = await proposeOn(page.request, globex.key, "support/draft", "kb.search", { query: "x" });
    expect(denied.status).toBe(403);
    expect(denied.body.error.reason).toBe("kill_switch");
    page.once("dialog", (d) => void d.accept("incident over"));
    await page.getByRole("button", { name: "Turn off tool:globex:kb.search" }).click();
    await expect(page.getByTestId("kill-tool:globex:kb.search")).toHaveCount(0);
    expect((await proposeOn(page.request, globex.key, "support/draft", "kb.search", { query: "x" })).status).toBe(200);
  });

  test("a new agent key works once created and gets 401 right after it is revoked", async ({ page }) => {
    await page.goto("/agents");
    await page.getByLabel("Agent name").fill("e2e-revoke");
    await page.getByLabel("Tenant").selectOption("acme");
    await page.getByLabel("Environment").selectOption("prod");
    await page.getByRole("checkbox", { name: "support/draft" }).check();
    await page.getByRole("button", { name: "Create credential" }).click();
    const key = (await page.getByTestId("new-agent-key").textContent())!;
    expect((await proposeOn(page.request, key, "support/draft", "kb.search", { query: "x" })).status).toBe(200);
    await page.getByRole("button", { name: /^Revoke e2e-revoke/ }).click();
    await expect(page.getByTestId("agent-e2e-revoke")).toContainText("revoked");
    const r = await page.request.post("/api/v1/runs", { headers: { authorization: `Bearer ${key}` }, data: { route: "support/draft" } });
    expect(r.status()).toBe(401);
  });
});
