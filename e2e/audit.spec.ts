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

test("the verify button checks the chain", async ({ page }) => {
  await page.goto("/audit");
  await page.getByRole("button", { name: "Verify chain" }).click();
  await expect(page.getByTestId("verify-result")).toContainText("Chain intact");
});
