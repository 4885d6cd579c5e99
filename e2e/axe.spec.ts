import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { storageStatePath, type DemoRole } from "./support/constants";
import { proposePending } from "./support/agent-api";

const ACME_SUPPORT_KEY = "gh_ac0e00000001_DEMO-ONLY-acme-support-not-a-secret-xxxxxxx";

/**
 * Every console page, as the role that may open it, at desktop and phone size:
 * axe finds 0 serious or critical violations, nothing scrolls sideways, and the Content-Security-Policy blocks none of
 * the page's own scripts (a page prerendered at build time has no nonce and never hydrates). The 404 and 403 pages are
 * pages too. `{id}` is a pending action, `{seq}` an audit event.
 */
const PAGES: { path: string; role: DemoRole; ready: string }[] = [
  { path: "/", role: "reviewer", ready: "h1" },
  { path: "/queue", role: "reviewer", ready: "[data-testid=queue-item]" },
  { path: "/queue?id={id}", role: "reviewer", ready: "[data-testid=approval-card]" },
  { path: "/actions", role: "reviewer", ready: "h1" },
  { path: "/actions/{id}", role: "reviewer", ready: "[data-testid=approval-card]" },
  { path: "/audit", role: "viewer", ready: "h1" },
  { path: "/audit/{seq}", role: "viewer", ready: "h1" },
  { path: "/policies", role: "admin", ready: "h1" },
  { path: "/policies/support/send", role: "admin", ready: "h1" },
  { path: "/tools", role: "admin", ready: "h1" },
  { path: "/agents", role: "admin", ready: "h1" },
  { path: "/mcp-upstreams", role: "admin", ready: "h1" },
  { path: "/settings", role: "admin", ready: "h1" },
  { path: "/users", role: "admin", ready: "h1" },
  { path: "/account", role: "reviewer", ready: "h1" },
  { path: "/settings/tokens", role: "reviewer", ready: "h1" },
  { path: "/break-glass", role: "oncall", ready: "h1" },
  { path: "/break-glass/reviews", role: "oncall", ready: "h1" },
  { path: "/no-such-page", role: "reviewer", ready: "h1" },
  { path: "/actions/act_does_not_exist", role: "reviewer", ready: "h1" },
  { path: "/break-glass", role: "admin", ready: "h1" },
];

async function seriousViolations(page: Page) {
  const r = await new AxeBuilder({ page }).analyze();
  return r.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, help: v.help, targets: v.nodes.slice(0, 4).map((n) => n.target.join(" ")) }));
}

let actionId = "";
let auditSeq = "1";

test.beforeAll(async ({ browser }) => {
  actionId = await proposePending(ACME_SUPPORT_KEY, "support/send", {
    tool: "email.send",
    args: { ticket_id: "T-4711", to: "jane@example.com", subject: "About your refund", body: "Hello Jane,\nyour refund is on its way." },
    reason: "Customer asked",
    preview: { before: { status: "open" }, after: { status: "replied" } },
  });
  const ctx = await browser.newContext({ storageState: storageStatePath("viewer") });
  const r = await ctx.request.get("/api/console/audit?limit=1");
  const body = (await r.json().catch(() => ({}))) as { events?: { seq: number }[]; items?: { seq: number }[] };
  auditSeq = String((body.events ?? body.items ?? [])[0]?.seq ?? 1);
  await ctx.close();
});

for (const size of [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
]) {
  for (const p of PAGES) {
    test.describe(`${size.width}x${size.height} as ${p.role}`, () => {
      test.use({ storageState: storageStatePath(p.role), viewport: size });
      test(`axe: ${p.path} has no serious or critical violations`, async ({ page }) => {
        const errors: string[] = [];
        page.on("console", (m) => {
          if (m.type() === "error") errors.push(m.text());
        });
        page.on("pageerror", (e) => errors.push(e.message));
        await page.goto(p.path.replace("{id}", actionId).replace("{seq}", auditSeq));
        await expect(page.locator(p.ready).first()).toBeVisible();
        await page.waitForTimeout(600);
        expect(await seriousViolations(page)).toEqual([]);
        // Nothing widens the page past the viewport (a long id in a title, a row of controls): no sideways scroll on a phone.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, "horizontal overflow in px").toBeLessThanOrEqual(0);
        // No React hydration error (#418 and friends) on any page.
        expect(errors.filter((e) => /hydrat|Minified React error #4(18|19|22|23|25)/i.test(e))).toEqual([]);
        expect(errors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
        // React took the page over (its root marks the document), so its buttons and menus work.
        expect(await page.evaluate(() => Object.keys(document).some((k) => k.startsWith("__reactContainer")))).toBe(true);
      });
    });
  }
}
