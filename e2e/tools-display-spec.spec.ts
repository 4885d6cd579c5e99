import { expect, test, type Browser } from "@playwright/test";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { ADMIN2, storageStatePath } from "./support/constants";
import { signIn } from "./support/sign-in";
import { proposePending } from "./support/agent-api";

// The tools page edits a tool's display spec: masking a field on the approval card can blind
// reviewers, so it waits for a second admin; showing it again applies at once. The card payload
// (GET /api/console/actions/{id} → card) follows, as a reviewer sees it.

const acme = DEMO_AGENTS.find((a) => a.name === "acme-support")!;
const mail = { ticket_id: "T-18421", to: "jane.doe@example.com", subject: "Your refund", body: "Hello Jane" };

async function reviewerCard(browser: Browser, id: string): Promise<{ key: string; label: string; value: string | null; masked: boolean }[]> {
  const ctx = await browser.newContext({ storageState: storageStatePath("reviewer") });
  try {
    const res = await ctx.request.get(`/api/console/actions/${id}`);
    expect(res.status()).toBe(200);
    return ((await res.json()) as { card: { fields: { key: string; label: string; value: string | null; masked: boolean }[] } }).card.fields;
  } finally {
    await ctx.close();
  }
}

test.describe.serial("display spec on the tools page", () => {
  test.use({ storageState: storageStatePath("admin") });

  test("masking the recipient waits for a second admin; the reviewer's card follows; showing it again applies at once", async ({ page, browser }) => {
    test.slow(); // a second admin signs in
    const id = await proposePending(acme.key, "support/send", { tool: "email.send", args: mail });
    const before = await reviewerCard(browser, id);
    expect(before.map((f) => [f.label, f.value])).toEqual([
      ["To", "jane.doe@example.com"],
      ["Subject", "Your refund"],
      ["Body", "Hello Jane"],
      ["Ticket", "T-18421"],
    ]);

    await page.goto("/tools");
    await page.getByRole("button", { name: "Edit email.send" }).click();
    const spec = page.getByRole("table", { name: "Display spec" });
    await expect(spec.getByRole("row")).toHaveCount(5);
    await page.getByLabel("Visibility of to").selectOption("mask");
    await page.getByRole("button", { name: "Save tool" }).click();
    await expect(page.getByTestId("tool-result")).toContainText("Not applied yet: email.send: Masks `to` on the approval card (was show).");
    await expect(page.getByRole("button", { name: "Approve change to email.send" })).toHaveCount(0);
    expect((await reviewerCard(browser, id))[0]!.value).toBe("jane.doe@example.com");

    const ctx = await browser.newContext({ storageState: undefined });
    const other = await ctx.newPage();
    await signIn(other, ADMIN2.email, ADMIN2.password);
    await other.goto("/tools");
    await other.getByRole("button", { name: "Approve change to email.send" }).click();
    await expect(other.getByTestId("tool-result")).toContainText("Approved");
    await expect(other.getByTestId("tool-email.send")).toContainText("masks to");
    await ctx.close();
    expect((await reviewerCard(browser, id))[0]).toMatchObject({ label: "To", value: "j•••@example.com", masked: true });

    // Showing more is not a widening: saved at once.
    await page.reload();
    await page.getByRole("button", { name: "Edit email.send" }).click();
    await page.getByLabel("Visibility of to").selectOption("show");
    await page.getByRole("button", { name: "Save tool" }).click();
    await expect(page.getByTestId("tool-result")).toContainText("Saved email.send.");
    expect((await reviewerCard(browser, id))[0]).toMatchObject({ value: "jane.doe@example.com", masked: false });
  });

  test("a preview endpoint on a loopback address is refused unless the admin allows a private address", async ({ page }) => {
    await page.goto("/tools");
    await page.getByRole("button", { name: "Edit ticket.close" }).click();
    await page.getByLabel("Preview endpoint").fill("http://127.0.0.1:4100/preview/ticket.close");
    await page.getByRole("button", { name: "Save tool" }).click();
    await expect(page.getByRole("list", { name: "Problems with the tool" })).toContainText("preview.url");
  });
});
