import { expect, test, type Browser, type Page } from "@playwright/test";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { ADMIN2, storageStatePath } from "./support/constants";
import { proposePending } from "./support/agent-api";
import { signIn } from "./support/sign-in";

/**
 * Issue 22's Playwright must-show: a reviewer granted acme/prod only (created
 * by one admin, approved by a second) sees no globex action anywhere in the
 * console — queue, history, card, audit, dashboard — and a globex card is the
 * same 404 as a missing one.
 */

const acmeAgent = DEMO_AGENTS.find((a) => a.name === "acme-support")!;
const globexAgent = DEMO_AGENTS.find((a) => a.name === "globex-support")!;
const SCOPED = { email: "acme.only@example.com", password: "acme-only-reviewer-pw" };
const H = { "x-gatehouse-console": "1" };

async function signedIn(browser: Browser, email: string, password: string): Promise<Page> {
  const page = await (await browser.newContext({ storageState: undefined })).newPage();
  await page.goto("/signin");
  await signIn(page, email, password);
  return page;
}

test.describe("a reviewer scoped to acme/prod", () => {
  test.use({ storageState: storageStatePath("admin") });

  test("sees acme, and no globex action anywhere", async ({ page, browser }) => {
    // One admin asks, a second approves: a reviewer with scopes is a grant under the two-admin rule.
    const created = await page.request.post("/api/console/users", {
      headers: H,
      data: { email: SCOPED.email, name: "Acme Only", password: SCOPED.password, roles: ["reviewer"], scopes: ["acme/prod"] },
    });
    expect(created.status(), await created.text()).toBe(202);
    const grantId = (await created.json()).grant_id as string;
    const admin2 = await signedIn(browser, ADMIN2.email, ADMIN2.password);
    const approved = await admin2.request.post(`/api/console/user-grants/${grantId}/approve`, { headers: H });
    expect(approved.status(), await approved.text()).toBe(200);

    const acmeId = await proposePending(acmeAgent.key, "support/send", { tool: "ticket.close", args: { ticket_id: "T-7001", resolution: "acme-visible resolution" } });
    const globexId = await proposePending(globexAgent.key, "support/send", { tool: "ticket.close", args: { ticket_id: "T-7002", resolution: "globex-hidden resolution" } });

    const r = await signedIn(browser, SCOPED.email, SCOPED.password);
    const noGlobex = async (where: string) => {
      const text = (await r.locator("body").innerText()).toLowerCase();
      expect(text, `${where} names globex`).not.toContain("globex");
      expect(await r.content(), `${where} carries the globex action id`).not.toContain(globexId);
    };

    await r.goto(`/queue?id=${acmeId}`);
    await expect(r.getByText("acme-visible resolution").first()).toBeVisible();
    await noGlobex("queue");

    await r.goto("/queue?tenant=globex");
    await noGlobex("queue filtered to globex");

    await r.goto("/actions");
    await noGlobex("history");

    await r.goto("/");
    await expect(r.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
    await noGlobex("dashboard");

    const card = await r.goto(`/actions/${globexId}`);
    const missing = await r.goto("/actions/act_does_not_exist_0000000000000");
    expect(card?.status()).toBe(404);
    expect(missing?.status()).toBe(404);
    await noGlobex("globex card");

    const api = await r.request.get(`/api/console/actions/${globexId}`);
    const none = await r.request.get("/api/console/actions/act_does_not_exist_0000000000000");
    expect(api.status()).toBe(404);
    expect((await api.json()).error.message).toBe((await none.json()).error.message);

    const vote = await r.request.post(`/api/console/actions/${globexId}/vote`, { headers: H, data: { vote: "approve" } });
    expect(vote.status()).toBe(404);

    // An all-tenant page is refused to a restricted user (the 403 page), not half-shown.
    const policies = await r.goto("/break-glass/reviews");
    expect(policies?.status()).toBe(403);

    // The unrestricted admin still sees both.
    await page.goto(`/queue?id=${globexId}`);
    await expect(page.getByText("globex-hidden resolution").first()).toBeVisible();
  });
});
