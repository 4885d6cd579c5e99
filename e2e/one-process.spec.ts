import { expect, test, type APIRequestContext } from "@playwright/test";
import { E2E_BASE_URL, storageStatePath } from "./support/constants";
import { getAction, proposePending } from "./support/agent-api";

// Demo agent acme-support (acme/prod, support/draft + support/send), from lib/seed/demo-data.ts DEMO_AGENTS.
const ACME_SUPPORT_KEY = "gh_ac0e00000001_DEMO-ONLY-acme-support-not-a-secret-xxxxxxx";

/**
 * scripts/serve.ts answers the agent API from a bare node:http handler and
 * everything else through Next.js, in one process. The long-poll wake-ups,
 * the metrics registry and the database connection are process singletons:
 * this proves the two halves really share them.
 */
test.use({ storageState: storageStatePath("admin") });
test.describe.configure({ timeout: 90_000 });

/** Sum of a metric's samples whose labels include `labels`, read from /metrics (served by Next.js). */
async function metric(request: APIRequestContext, name: string, labels: Record<string, string> = {}): Promise<number> {
  const res = await request.get("/metrics");
  expect(res.status()).toBe(200);
  let sum = 0;
  for (const line of (await res.text()).split("\n")) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

test("the agent API and the console share one process: decisions counted, long-polls woken by a console decision", async ({ page, browser }) => {
  // The agent API is answered by the bare handler, not a Next.js route (which adds its RSC Vary header).
  const jwks = await fetch(`${E2E_BASE_URL}/.well-known/jwks.json`);
  expect(jwks.status).toBe(200);
  expect(jwks.headers.get("vary") ?? "").not.toMatch(/rsc/i);
  expect(jwks.headers.get("x-frame-options")).toBe("DENY");
  expect(jwks.headers.get("x-request-id")).toBeTruthy();

  const pendingDecisions = { outcome: "pending", reason: "approval_required" };
  const before = await metric(page.request, "gatehouse_decisions_total", pendingDecisions);
  const id = await proposePending(ACME_SUPPORT_KEY, "support/send", { tool: "ticket.close", args: { ticket_id: `T-${String(Date.now()).slice(-9)}`, resolution: "done" } });
  expect(await metric(page.request, "gatehouse_decisions_total", pendingDecisions)).toBe(before + 1);

  // The waiter the bare handler registers is on the event bus Next.js's /metrics reads.
  const waiters = await metric(page.request, "gatehouse_long_poll_waiters");
  const longPoll = getAction(ACME_SUPPORT_KEY, id, 55);
  await expect.poll(() => metric(page.request, "gatehouse_long_poll_waiters")).toBe(waiters + 1);

  const reviewer = await browser.newContext({ baseURL: E2E_BASE_URL, storageState: storageStatePath("reviewer") });
  const vote = await reviewer.request.post(`/api/console/actions/${id}/vote`, {
    headers: { "X-Gatehouse-Console": "1", Origin: E2E_BASE_URL },
    data: { vote: "approve" },
  });
  expect(vote.status(), await vote.text()).toBe(200);
  await reviewer.close();

  // Woken by the console's decision: without a shared bus the poll would sit out its 55 s.
  await expect.poll(() => metric(page.request, "gatehouse_long_poll_waiters")).toBe(waiters);
  const view = await longPoll;
  expect(view.status).toBe("approved");
  expect(typeof view.token).toBe("string");
});
