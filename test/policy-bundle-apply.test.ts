import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "./support/demo-db";
import { makeUser } from "./support/fixtures";
import { params } from "./security/helpers";
import { db } from "@/lib/db/client";
import { createApiToken } from "@/lib/auth/api-tokens";
import { GET as bundleRoute } from "@/app/api/cli/policies/bundle/route";
import { POST as applyRoute } from "@/app/api/cli/policies/apply/route";

// `policy apply` is all or nothing: every route is checked (the same argument-condition check a proposal runs)
// before anything is written, and the bundle is one transaction, so an answer of 4xx changed nothing — no route's
// tests added, no policy version activated, no deletion requested. A blocked route records only its blocked proposal.

let cleanup: () => Promise<void>;
let token: string;
beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  const admin = await makeUser("bundle.admin@example.com", ["admin"]);
  token = (await createApiToken({ name: "cli", scopes: ["policy:read", "policy:write"] }, { actorId: admin })).token;
}, 60_000);
afterAll(() => cleanup());

type Bundle = { routes: { name: string; version: number; policy: Record<string, any>; tests: { tool: string; expect: string }[] }[] };
const bearer = (url: string, init: RequestInit = {}) =>
  new Request(`http://localhost:3000${url}`, { ...init, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } });
const exportBundle = async (): Promise<Bundle> => (await bundleRoute(bearer("/api/cli/policies/bundle"), params({}))).json();
const apply = (bundle: Bundle, reason = "bundle") => applyRoute(bearer("/api/cli/policies/apply", { method: "POST", body: JSON.stringify({ bundle, reason }) }), params({}));
const routeOf = (b: Bundle, name: string) => b.routes.find((r) => r.name === name)!;

/** Everything an apply can write. */
async function state() {
  return {
    versions: await db().policyVersion.count(),
    active: (await db().route.findMany({ orderBy: { name: "asc" }, select: { name: true, activeVersion: true } })).map((r) => `${r.name}@${r.activeVersion}`),
    tests: await db().policyTest.count(),
    deletions: await db().policyTest.count({ where: { deleteRequestedAt: { not: null } } }),
    audit: await db().auditEvent.count({ where: { type: { startsWith: "policy" } } }),
  };
}

describe("policy apply is all or nothing", () => {
  it("a bad argument condition on one route is 422 and no other route's test, narrowing or deletion request was written", async () => {
    const b = await exportBundle();
    const ops = routeOf(b, "ops/triage");
    ops.policy.budgets = { ...ops.policy.budgets, steps: 2 }; // a narrowing: would apply at once
    ops.tests.push({ tool: "kb.search", expect: "allowed" }); // a new test, which passes
    const draft = routeOf(b, "support/draft");
    expect(draft.tests.length).toBeGreaterThan(0);
    draft.tests.pop(); // a deletion request
    // Last in the bundle, so the routes before it would already have been written route by route.
    routeOf(b, "support/send").policy.conditions = [{ tool: "ticket.close", when: "args.no_such_field > 1", effect: "deny" }];
    const before = await state();
    const res = await apply(b);
    expect(res.status, await res.clone().text()).toBe(422);
    expect(await state()).toEqual(before);
    expect((await res.json()).error.issues[0].message).toContain("support/send");
  });

  it("a blocked route: 409, nothing of the bundle applies, only the blocked proposal is recorded", async () => {
    const b = await exportBundle();
    const ops = routeOf(b, "ops/triage");
    ops.policy.budgets = { ...ops.policy.budgets, steps: 3 };
    const send = routeOf(b, "support/send");
    send.tests.push({ tool: "kb.search", expect: "denied" }); // fails against support/send's own policy
    send.policy.budgets = { ...send.policy.budgets, steps: 4 };
    const before = await state();
    const res = await apply(b);
    expect(res.status).toBe(409);
    const body = await res.json();
    const sendResult = body.routes.find((r: { route: string }) => r.route === "support/send");
    expect(sendResult.policy.status).toBe("blocked");
    expect(sendResult.policy.failing[0].message).toContain("kb.search");
    expect(body.routes.find((r: { route: string }) => r.route === "ops/triage")).toMatchObject({ policy: null, notApplied: "bundle_blocked" });
    const after = await state();
    expect(after.active).toEqual(before.active); // ops/triage's narrowing did not apply
    expect(after.tests).toBe(before.tests); // the failing test was not added
    expect(after.versions).toBe(before.versions + 1); // the blocked version, as the console records one
    expect(await db().policyVersion.count({ where: { status: "blocked" } })).toBe(1);
  });

  it("the control: a clean bundle applies every route together", async () => {
    const b = await exportBundle();
    const ops = routeOf(b, "ops/triage");
    ops.policy.budgets = { ...ops.policy.budgets, steps: 2 };
    ops.tests.push({ tool: "kb.search", expect: "allowed" });
    const before = await state();
    const res = await apply(b);
    expect(res.status, await res.clone().text()).toBe(200);
    const after = await state();
    expect(after.tests).toBe(before.tests + 1);
    expect(after.active).not.toEqual(before.active);
  });
});
