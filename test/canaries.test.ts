import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "./support/demo-db";
import { makeUser } from "./support/fixtures";
import { db } from "@/lib/db/client";
import { parseScopes } from "@/lib/auth/scopes";
import { canaryStats, placeCanary, setCanaryEnrollment, suspiciousArgs } from "@/lib/canaries/canaries";
import { voteOnAction } from "@/lib/actions/vote-on-action";
import { listQueue } from "@/lib/approvals/list-queue";
import { getActionDetail } from "@/lib/approvals/get-action-detail";
import { mintActionToken } from "@/lib/tokens/mint";
import { actionTokenInput } from "@/lib/actions/action-token";
import { redeemActionToken } from "@/lib/tokens/redeem-token";
import { loadDecisionInput } from "@/lib/actions/decision-context";
import { reviewerFigures } from "@/lib/reviewers/reviewer-figures";
import { AppError } from "@/lib/errors";
import { atCommit, sqlTransaction } from "@/lib/db/sql";

// Canaries (issue 22 item 7): an admin places a synthetic, clearly suspicious action in one
// enrolled reviewer's queue. Approving it mints nothing and is counted as a miss, rejecting it as
// a catch; lib/tokens refuses to mint or redeem a token for it even when asked directly; other
// reviewers never see it in their queue or card.

let cleanup: () => Promise<void>;
let admin: string;
let rita: string;
let rob: string;
const ctx = () => ({ actorId: admin, requestId: "canary-test" });
const viewer = async (id: string) => {
  const u = await db().user.findUniqueOrThrow({ where: { id } });
  return { id, email: u.email, roles: u.roles.split(","), scopes: parseScopes(u.scopes) };
};
const place = () => placeCanary({ reviewer_id: rita, route: "support/send", tenant: "acme", env: "prod" }, ctx());

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  admin = (await db().user.findUniqueOrThrow({ where: { email: "admin@gatehouse.local" } })).id;
  rita = await makeUser("rita.canary@example.com", ["reviewer"]);
  rob = await makeUser("rob.canary@example.com", ["reviewer"]);
}, 60_000);
afterAll(() => cleanup());

describe("canary actions", () => {
  it("only an enrolled reviewer gets canaries, and only on tenants they cover", async () => {
    await expect(place()).rejects.toMatchObject({ reason: "not_enrolled" });
    await setCanaryEnrollment(rita, true, ctx());
    await expect(placeCanary({ reviewer_id: rita, route: "nope", tenant: "acme", env: "prod" }, ctx())).rejects.toBeInstanceOf(AppError);
    await expect(setCanaryEnrollment(rita, true, { actorId: rob })).rejects.toMatchObject({ code: "forbidden" });
  });

  it("approving a canary mints nothing and is counted as a miss; it looks like any pending write to its reviewer and is hidden from others", async () => {
    const { action_id } = await place();
    const action = await db().action.findUniqueOrThrow({ where: { id: action_id } });
    expect(action).toMatchObject({ status: "pending", tenantId: "acme", env: "prod", routeName: "support/send", approvalsRequired: 1, callbackUrl: null, previewStatus: null });
    expect(action.argsDisplay).toContain("exfil.example");

    const mine = await listQueue({}, await viewer(rita));
    const theirs = await listQueue({}, await viewer(rob));
    const ids = (r: Awaited<ReturnType<typeof listQueue>>) => JSON.stringify(r);
    expect(ids(mine)).toContain(action_id);
    expect(ids(theirs)).not.toContain(action_id);
    expect(await getActionDetail(action_id, await viewer(rob))).toBeNull();
    expect(await getActionDetail(action_id, await viewer(rita))).not.toBeNull();
    await expect(voteOnAction({ actionId: action_id, userId: rob, vote: "approve" })).rejects.toMatchObject({ code: "not_found" });

    const r = await voteOnAction({ actionId: action_id, userId: rita, vote: "approve", timeOnCardMs: 120_000 });
    expect(r).toMatchObject({ status: "approved", transitioned: true });
    const after = await db().action.findUniqueOrThrow({ where: { id: action_id } });
    expect(after.status).toBe("approved");
    expect(after.tokenJti).toBeNull();
    expect(after.tokenSealed).toBeNull();
    // Approved within 3 s of the card served above: the history's fast filter finds it (server time, not the browser's 120 s).
    expect(after.fastVote).toBe(true);
    expect(await db().issuedToken.count({ where: { actionId: action_id } })).toBe(0);
    expect(await db().auditEvent.count({ where: { actionId: action_id, type: "token.minted" } })).toBe(0);
    expect(await db().canaryAction.findUniqueOrThrow({ where: { actionId: action_id } })).toMatchObject({ outcome: "missed" });
    expect(await db().auditEvent.count({ where: { type: "canary.missed" } })).toBe(1);
    // No webhook or callback left for it.
    expect(await db().webhookDelivery.count({ where: { payload: { contains: action_id } } })).toBe(0);
  });

  it("rejecting one is a catch; the catch rate is caught / decided", async () => {
    const { action_id } = await place();
    await voteOnAction({ actionId: action_id, userId: rita, vote: "reject", rejectReason: "exfiltration attempt" });
    expect((await db().canaryAction.findUniqueOrThrow({ where: { actionId: action_id } })).outcome).toBe("caught");
    await place();
    const stats = (await canaryStats()).find((s) => s.userId === rita)!;
    expect(stats).toMatchObject({ enrolled: true, placed: 3, caught: 1, missed: 1, open: 1, catchRate: 0.5 });
    expect((await canaryStats()).find((s) => s.userId === rob)).toMatchObject({ enrolled: false, placed: 0, catchRate: null });
  });

  it("lib/tokens refuses a canary at mint and at redeem, whoever asks", async () => {
    const { action_id } = await place();
    await db().action.update({ where: { id: action_id }, data: { status: "approved", decidedAt: new Date() } });
    const action = await db().action.findUniqueOrThrow({ where: { id: action_id } });
    await expect(
      db().$transaction((tx) => mintActionToken(tx, actionTokenInput(action, { approverIds: [rita], breakGlassSessionId: null }), { actorType: "user", actorId: rita })),
    ).rejects.toMatchObject({ code: "conflict" });
    expect(await db().issuedToken.count({ where: { actionId: action_id } })).toBe(0);
    // The same through the raw hot path, where the check rides in the record's INSERT (on PostgreSQL with the audit append, at commit).
    const mintedEvents = () => db().auditEvent.count({ where: { actionId: action_id, type: "token.minted" } });
    const eventsBefore = await mintedEvents();
    await expect(
      sqlTransaction(atCommit((tx) => mintActionToken(tx, actionTokenInput(action, { approverIds: [rita], breakGlassSessionId: null }), { actorType: "user", actorId: rita }))),
    ).rejects.toMatchObject({ code: "conflict", reason: "action_not_redeemable" });
    expect(await db().issuedToken.count({ where: { actionId: action_id } })).toBe(0);
    expect(await mintedEvents()).toBe(eventsBefore);

    // A token that exists anyway (minted before the row was marked, as a bug would): redeem refuses it.
    const canary = await db().canaryAction.findUniqueOrThrow({ where: { actionId: action_id } });
    await db().canaryAction.delete({ where: { id: canary.id } });
    const minted = await db().$transaction((tx) =>
      mintActionToken(tx, actionTokenInput(action, { approverIds: [rita], breakGlassSessionId: null }), { actorType: "user", actorId: rita }),
    );
    await db().canaryAction.create({ data: { ...canary } });
    const tool = (await loadDecisionInput(db(), { credentialRoutes: ["support/send"], tenantId: "acme", env: "prod", routeName: "support/send", toolName: action.tool })).tool!;
    await expect(redeemActionToken({ token: minted.token, tool: action.tool, args: suspiciousArgs(tool.argsSchema) }, { requestId: "canary-redeem" })).rejects.toMatchObject({
      reason: "canary",
    });
    expect((await db().action.findUniqueOrThrow({ where: { id: action_id } })).redeemedAt).toBeNull();
  });

  it("canaries stay out of the reviewer figures", async () => {
    const figures = await reviewerFigures(await viewer(admin));
    expect(figures.find((f) => f.userId === rita)).toBeUndefined();
  });
});
