import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "./support/demo-db";
import { makeUser } from "./support/fixtures";
import { demoAgent } from "./security/helpers";
import { db } from "@/lib/db/client";
import { parseScopes } from "@/lib/auth/scopes";
import { authenticateAgent } from "@/lib/agents/authenticate-agent";
import { startRun } from "@/lib/runs/start-run";
import { proposeAction } from "@/lib/actions/propose-action";
import { voteOnAction } from "@/lib/actions/vote-on-action";
import { getActionDetail } from "@/lib/approvals/get-action-detail";
import { listHistory } from "@/lib/approvals/list-history";
import { reviewerFigures, reviewerFiguresReport } from "@/lib/reviewers/reviewer-figures";
import { serverTimesOnCard } from "@/lib/approvals/card-views";
import { listQueue } from "@/lib/approvals/list-queue";

// Reviewer accountability (issue 22 item 7): time on card is measured by the server, from the
// card's first serve to that reviewer to their vote; the browser's number is only a second
// figure. The dashboard's per-reviewer figures (decisions, approval rate, median time on card,
// approvals under 3 s, reversals) come from those, narrowed to the viewer's scopes.

let cleanup: () => Promise<void>;
let ann: string;
let ben: string;
const n = { i: 0 };
const rctx = { requestId: "toc" };

async function propose(tenant: string): Promise<string> {
  const a = demoAgent(tenant, "prod", "support/send");
  const p = await authenticateAgent(new Request("http://x", { headers: { authorization: `Bearer ${a.key}` } }));
  const run = await startRun(p, "support/send", rctx);
  return (await proposeAction(p, { run_id: run.run_id, tool: "ticket.close", args: { ticket_id: `T-${++n.i}`, resolution: "done" }, idempotency_key: `toc-${n.i}` }, rctx)).view
    .action_id;
}
const viewer = async (id: string) => {
  const u = await db().user.findUniqueOrThrow({ where: { id } });
  return { id, email: u.email, roles: u.roles.split(","), scopes: parseScopes(u.scopes) };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  ann = await makeUser("ann.toc@example.com", ["reviewer", "admin"]);
  ben = await makeUser("ben.toc@example.com", ["reviewer"]);
}, 60_000);
afterAll(() => cleanup());

describe("time on card, measured by the server", () => {
  it("runs from the card's first serve to the vote; the browser's figure is kept apart and not believed", async () => {
    const id = await propose("acme");
    await getActionDetail(id, await viewer(ann));
    await sleep(150);
    // A second serve does not restart the clock.
    await getActionDetail(id, await viewer(ann));
    await voteOnAction({ actionId: id, userId: ann, vote: "approve", timeOnCardMs: 999_999 });
    const vote = (await getActionDetail(id, await viewer(ann)))!.votes[0]!;
    expect(vote.timeOnCardMs).toBeGreaterThanOrEqual(150);
    expect(vote.timeOnCardMs).toBeLessThan(999_999);
    expect(vote.browserTimeOnCardMs).toBe(999_999);
  });

  it("a vote on a card never served to the voter has no time on card (not the browser's claim)", async () => {
    const id = await propose("acme");
    await voteOnAction({ actionId: id, userId: ben, vote: "approve", timeOnCardMs: 60_000 });
    const vote = (await getActionDetail(id, await viewer(ann)))!.votes[0]!;
    expect(vote.timeOnCardMs).toBeNull();
    const row = (await listHistory({}, await viewer(ann))).find((h) => h.id === id)!;
    expect(row.deciders[0]!.timeOnCardMs).toBeNull();
  });

  it("the per-reviewer figures: decisions, approval rate, median, approvals under 3 s, reversals — scoped", async () => {
    // A quick approval (served and voted at once) by ben.
    const quick = await propose("acme");
    await getActionDetail(quick, await viewer(ben));
    await voteOnAction({ actionId: quick, userId: ben, vote: "approve", timeOnCardMs: 30_000 });
    // A reversal: ben approves a two-approval action, ann rejects it.
    const two = await propose("acme");
    await db().action.update({ where: { id: two }, data: { approvalsRequired: 2 } });
    await getActionDetail(two, await viewer(ben));
    await voteOnAction({ actionId: two, userId: ben, vote: "approve" });
    await voteOnAction({ actionId: two, userId: ann, vote: "reject", rejectReason: "wrong ticket" });
    // A globex vote by ben, outside an acme-only viewer's scopes.
    const globex = await propose("globex");
    await voteOnAction({ actionId: globex, userId: ben, vote: "reject", rejectReason: "no" });

    const all = await reviewerFigures(await viewer(ann));
    const b = all.find((f) => f.userId === ben)!;
    expect(b).toMatchObject({ decisions: 4, approvals: 3, approvalRate: 0.75, fastApprovals: 2, reversals: 1 });
    expect(b.medianTimeOnCardMs).not.toBeNull();
    expect(b.medianTimeOnCardMs!).toBeLessThan(3_000);
    expect(all.find((f) => f.userId === ann)).toMatchObject({ decisions: 2, approvals: 1, reversals: 0 });

    const acmeOnly = { ...(await viewer(ann)), scopes: parseScopes("acme/prod") };
    expect((await reviewerFigures(acmeOnly)).find((f) => f.userId === ben)).toMatchObject({ decisions: 3, approvals: 3, reversals: 1 });
    const none = { ...(await viewer(ann)), scopes: parseScopes("initech/prod") };
    expect(await reviewerFigures(none)).toEqual([]);
    // Read from the newest votes only, the report says so, and from when; in full, it says nothing.
    const votes = await db().approval.findMany({ orderBy: { createdAt: "desc" }, select: { createdAt: true } });
    expect((await reviewerFiguresReport(await viewer(ann))).capped).toBeNull();
    const part = await reviewerFiguresReport(await viewer(ann), 30, new Date(), 3);
    expect(part.capped).toEqual({ votes: 3, from: votes[2]!.createdAt.toISOString() });
    expect(part.rows.reduce((n, r) => n + r.decisions, 0)).toBeLessThanOrEqual(3);
  });

  it("holds up on a busy log: 1,500 votes are read in bounded queries (one OR term per vote outgrew SQLite's expression depth)", async () => {
    const actions = await db().action.findMany({ select: { id: true }, take: 1 });
    const at = new Date();
    const votes = Array.from({ length: 1_500 }, (_, i) => ({ actionId: i === 0 ? actions[0]!.id : `act_busy_${i}`, userId: i % 2 ? ann : ben, createdAt: at }));
    await db().cardView.createMany({ data: votes.slice(1).map((v) => ({ actionId: v.actionId, userId: v.userId, firstServedAt: new Date(at.getTime() - 1_000) })) });
    const onCard = await serverTimesOnCard(votes);
    expect(onCard.size).toBe(1_500);
    expect(onCard.get(`act_busy_1498:${ben}`)).toBe(1_000);
  });

  it("the figures and the needs-me queue hold up past SQLite's parameter limit (1,200 votes by one reviewer)", async () => {
    const at = new Date();
    await db().approval.createMany({ data: Array.from({ length: 1_200 }, (_, i) => ({ actionId: `act_many_${i}`, userId: ben, vote: "approve", createdAt: at })) });
    await expect(reviewerFigures(await viewer(ann))).resolves.toBeInstanceOf(Array);
    await expect(listQueue({ mine: "1" }, await viewer(ben))).resolves.toMatchObject({ items: expect.any(Array) });
  });
});
