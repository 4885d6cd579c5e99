import { expect, test } from "@playwright/test";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { storageStatePath } from "./support/constants";
import { proposePending } from "./support/agent-api";

test.use({ storageState: storageStatePath("viewer") });

test("the audit browser filters, opens an event, and its JSONL export equals the rows it shows", async ({ page }) => {
  // Something for tenant acme to be in the log, whatever ran before.
  const agent = DEMO_AGENTS.find((a) => a.tenant === "acme" && a.routes.includes("support/send"))!;
  await proposePending(agent.key, "support/send", { tool: "ticket.close", args: { ticket_id: "T-9001" } });
  await page.goto("/audit");
  await expect(page.getByRole("heading", { level: 1, name: "Audit" })).toBeVisible();
  await expect(page.getByTestId("audit-row").first()).toBeVisible();

  await page.getByLabel("Tenant").fill("acme");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/\/audit\?tenant=acme/);
  const rows = page.getByTestId("audit-row");
  await expect(rows.first()).toBeVisible();
  const shown = (await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute("data-seq"))))).filter((n) => n > 0);

  const exported = await page.request.get("/api/console/audit/export?format=jsonl&tenant=acme");
  expect(exported.status()).toBe(200);
  const lines = (await exported.text())
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l) as { seq: number; tenant: string });
  expect(lines.every((l) => l.tenant === "acme")).toBe(true);
  // The first page shows the newest 50; the export is the whole filtered set in the same order.
  expect(lines.slice(0, shown.length).map((l) => l.seq)).toEqual(shown);
  if (lines.length <= 50) expect(lines.length).toBe(shown.length);

  await rows.first().getByRole("link").click();
  await expect(page.getByRole("heading", { level: 1, name: `Audit event #${shown[0]}` })).toBeVisible();
  await expect(page.getByLabel("Audit event")).toContainText("acme");
});

test("a filter that matches nothing says so, rather than showing a bare table", async ({ page }) => {
  await page.goto("/audit?tool=no.such_tool");
  await expect(page.getByLabel("Audit events").getByTestId("table-empty")).toHaveText("No event matches these filters.");
  await expect(page.getByTestId("audit-row")).toHaveCount(0);
});

test("the verify button checks the chain", async ({ page }) => {
  await page.goto("/audit");
  await page.getByRole("button", { name: "Verify chain" }).click();
  await expect(page.getByTestId("verify-result")).toContainText("Chain intact");
});

test.describe("in a browser east of UTC (Asia/Kolkata, +5:30)", () => {
  test.use({ timezoneId: "Asia/Kolkata" });

  test("From/To are UTC like the table's times, and a reloaded link shows and applies the same bounds", async ({ page }) => {
    const agent = DEMO_AGENTS.find((a) => a.tenant === "acme" && a.routes.includes("support/send"))!;
    await proposePending(agent.key, "support/send", { tool: "ticket.close", args: { ticket_id: "T-9002" } });
    await page.goto("/audit?tenant=acme");
    const rows = page.getByTestId("audit-row");
    await expect(rows.first()).toBeVisible();
    const newest = (await rows.first().locator("td").nth(1).textContent())!; // "2026-12-03 13:16:37", UTC
    const bound = newest.replace(" ", "T");
    const times = () => rows.evaluateAll((trs) => trs.map((tr) => tr.querySelectorAll("td")[1]!.textContent!.replace(" ", "T")));

    await page.getByLabel("From (UTC)").fill(bound);
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect(page).toHaveURL(new RegExp(`from=${encodeURIComponent(`${bound}.000Z`)}`));
    await expect(rows.first()).toBeVisible();
    // Read in the browser's zone, the bound would be 5:30 earlier and let in the older events this run wrote.
    expect((await times()).every((t) => t >= bound)).toBe(true);

    await page.reload();
    // The browser drops ":00" seconds from a datetime-local value (one newest event a minute lands on them).
    await expect(page.getByLabel("From (UTC)")).toHaveValue(bound.endsWith(":00") ? bound.slice(0, -3) : bound);
    await expect(page.getByLabel("Tenant")).toHaveValue("acme");
    await expect(rows.first()).toBeVisible();
    expect((await times()).every((t) => t >= bound)).toBe(true);

    // An upper bound one second before the newest event leaves that event out, and nothing later is shown.
    const before = new Date(Date.parse(`${bound}Z`) - 1000).toISOString().slice(0, 19);
    await page.getByLabel("From (UTC)").fill("");
    await page.getByLabel("To (UTC)").fill(before);
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect(page).toHaveURL(new RegExp(`to=${encodeURIComponent(`${before}.000Z`)}`));
    await expect(rows.first()).toBeVisible();
    expect((await times()).every((t) => t <= before)).toBe(true);
  });
});
