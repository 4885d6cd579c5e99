import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SMTPServer } from "smtp-server";
import { freshDemoDb } from "./support/demo-db";
import { makeUser, notificationsOff, notificationsOn } from "./support/fixtures";
import { appError, demoAgent, sessionRequest } from "./security/helpers";
import { db } from "@/lib/db/client";
import { authenticateAgent } from "@/lib/agents/authenticate-agent";
import { startRun } from "@/lib/runs/start-run";
import { proposeAction } from "@/lib/actions/propose-action";
import { voteOnAction } from "@/lib/actions/vote-on-action";
import { approveGrant } from "@/lib/users/grants";
import { groupsServed, requiredGroupsConflict } from "@/lib/users/group-rule";
import { approveRequiredGroups, createGroup, removeMember, requestMembership, setRouteReviewers, deleteRouteReviewers } from "@/lib/reviewer-groups/groups";
import { enqueueDueNotifications } from "@/lib/notifications/sweep";
import { deliverDueNotifications } from "@/lib/notifications/deliver";
import { advanceEscalationChains, escalateDueActions } from "@/lib/approvals/escalate-due";
import { reassignAction } from "@/lib/approvals/reassign-action";
import { listQueue } from "@/lib/approvals/list-queue";
import { parseScopes } from "@/lib/auth/scopes";
import { GET as detailRoute } from "@/app/api/console/actions/[id]/route";
import { POST as reassignRoute } from "@/app/api/console/actions/[id]/reassign/route";
import { PUT as routeReviewersRoute } from "@/app/api/console/route-reviewers/route";
import { DELETE as deleteRoutingRoute } from "@/app/api/console/route-reviewers/[id]/route";

// Reviewer groups (issue 22): membership is a two-admin grant; a route's
// required groups bind a destructive action's approvers (real votes); routing
// picks who is e-mailed (a real SMTP server) and whose "needs me" shows it;
// escalation asks the chain's groups in turn (the real sweep) and the card
// names who was asked; an admin can reassign (audited, scoped).

describe("the required-groups rule (pure)", () => {
  const s = (...g: string[]) => new Set(g);
  it("counts distinct approvers serving distinct groups", () => {
    expect(groupsServed(["sup", "sec"], [s("sup", "sec"), s("sup")])).toBe(2);
    expect(groupsServed(["sup", "sec"], [s("sup", "sec")])).toBe(1);
    expect(groupsServed(["sup", "sec"], [s("sup"), s("sup")])).toBe(1);
  });
  it("refuses the vote that makes the rule unreachable, names what is missing", () => {
    const rule = { required: ["sup", "sec"], approvalsRequired: 2 };
    expect(requiredGroupsConflict({ ...rule, prior: [], next: s("sup") })).toBeNull();
    expect(requiredGroupsConflict({ ...rule, prior: [], next: s() })).toEqual(["sup", "sec"]);
    expect(requiredGroupsConflict({ ...rule, prior: [s("sup")], next: s("sup") })).toEqual(["sec"]);
    expect(requiredGroupsConflict({ ...rule, prior: [s("sup")], next: s("sec") })).toBeNull();
    expect(requiredGroupsConflict({ ...rule, prior: [s("sup", "sec")], next: s("sup") })).toBeNull();
    expect(requiredGroupsConflict({ required: [], approvalsRequired: 2, prior: [], next: s() })).toBeNull();
  });
});

type Mail = { to: string[]; data: string };
const inbox: Mail[] = [];
let smtp: SMTPServer;
let cleanup: () => Promise<void>;
const u: Record<string, string> = {};
const g: Record<string, string> = {};
let n = 0;

async function propose(tenant: string, tool: string, args: Record<string, unknown>): Promise<string> {
  const a = demoAgent(tenant, "prod", "support/send");
  const p = await authenticateAgent(new Request("http://x", { headers: { authorization: `Bearer ${a.key}` } }));
  const run = await startRun(p, "support/send", { requestId: "groups" });
  return (await proposeAction(p, { run_id: run.run_id, tool, args, idempotency_key: `groups-${++n}`, reason: "customer asked" }, { requestId: "groups" })).view.action_id;
}

async function join(group: string, user: string): Promise<void> {
  const r = await requestMembership(g[group]!, u[user]!, { actorId: u.admin1! });
  await approveGrant(r.grant_id, { actorId: u.admin2!, channel: "console" });
}

const mailTo = (id: string, from = 0) =>
  inbox
    .slice(from)
    .filter((m) => m.data.includes(id))
    .flatMap((m) => m.to)
    .sort();

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        inbox.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks)
            .toString("utf8")
            .replace(/=\r?\n/g, ""),
        });
        cb();
      });
    },
  });
  const port = await new Promise<number>((resolve) => smtp.listen(0, "127.0.0.1", () => resolve((smtp.server.address() as { port: number }).port)));
  ({ cleanup } = await freshDemoDb());
  await notificationsOn(`smtp://127.0.0.1:${port}`); // only the users made here are told
  u.admin1 = await makeUser("admin1.groups@example.com", ["admin"]);
  u.admin2 = await makeUser("admin2.groups@example.com", ["admin"]);
  for (const name of ["sup1", "sup2", "sec1", "other", "acmeonly"]) u[name] = await makeUser(`${name}.groups@example.com`, ["reviewer"]);
  await db().user.update({ where: { id: u.acmeonly }, data: { scopes: "acme/prod" } });
  for (const name of ["support", "security", "oncall"]) g[name] = (await createGroup({ name }, { actorId: u.admin1 })).id;
}, 60_000);

afterAll(async () => {
  notificationsOff();
  await cleanup();
  await new Promise<void>((r) => smtp.close(() => r()));
});

describe("reviewer groups", () => {
  it("joining a group needs a second admin; leaving it does not", async () => {
    const r = await requestMembership(g.support!, u.sup1!, { actorId: u.admin1! });
    expect(r.status).toBe("pending");
    expect(await db().reviewerGroupMember.count({ where: { groupId: g.support } })).toBe(0);
    expect((await appError(approveGrant(r.grant_id, { actorId: u.admin1!, channel: "console" }))).reason).toBe("author_cannot_approve");
    expect((await appError(approveGrant(r.grant_id, { actorId: u.admin2!, channel: "api_token" }))).reason).toBe("channel");
    await approveGrant(r.grant_id, { actorId: u.admin2!, channel: "console" });
    expect(await db().reviewerGroupMember.count({ where: { groupId: g.support, userId: u.sup1 } })).toBe(1);
    expect(await db().auditEvent.count({ where: { type: "reviewer_group.member_added" } })).toBe(1);
    await join("support", "sup2");
    await join("security", "sec1");
    await join("oncall", "other");
    await join("oncall", "acmeonly");
    await removeMember(g.oncall!, u.other!, { actorId: u.admin1! });
    expect(await db().reviewerGroupMember.count({ where: { groupId: g.oncall } })).toBe(1);
    await join("oncall", "other");
    // A membership is an elevation (lib/users/two-person.ts): two members the same admins just added are not
    // independent of each other for 24 hours. The rest of this file runs as if they joined yesterday.
    const fresh = await propose("acme", "customer.delete", { customer_id: "C-7000" });
    await setRouteReviewers({ route: "support/send", tenant: "acme", group_id: g.support!, escalation_chain: [], required_groups: [] }, { actorId: u.admin1! });
    await voteOnAction({ actionId: fresh, userId: u.sup1!, vote: "approve", requestId: "groups" });
    expect((await appError(voteOnAction({ actionId: fresh, userId: u.sec1!, vote: "approve", requestId: "groups" }))).reason).toBe("not_independent");
    await deleteRouteReviewers((await db().routeReviewers.findFirstOrThrow({ where: { tenantId: "acme" } })).id, { actorId: u.admin1! });
    await db().userGrant.updateMany({ where: { kind: "group" }, data: { decidedAt: new Date(Date.now() - 25 * 3600_000) } });
  });

  it("a destructive action's two approvers must come from the named groups (real votes)", async () => {
    await setRouteReviewers(
      { route: "support/send", tenant: "*", group_id: g.support!, escalation_chain: [g.security!, g.oncall!], required_groups: [g.support!, g.security!] },
      { actorId: u.admin1! },
    );
    const id = await propose("acme", "customer.delete", { customer_id: "C-7001" });
    // Someone from neither group first: the one approval left could not cover both groups.
    const outsider = await appError(voteOnAction({ actionId: id, userId: u.other!, vote: "approve", requestId: "groups" }));
    expect(outsider.reason).toBe("required_group");
    expect(await voteOnAction({ actionId: id, userId: u.sup1!, vote: "approve", requestId: "groups" })).toMatchObject({ status: "pending", approvalsReceived: 1 });
    const sameGroup = await appError(voteOnAction({ actionId: id, userId: u.sup2!, vote: "approve", requestId: "groups" }));
    expect(sameGroup.reason).toBe("required_group");
    expect(sameGroup.message).toContain("security");
    expect(await db().auditEvent.count({ where: { actionId: id, type: "approval.refused", reason: "required_group" } })).toBe(2);
    expect(await voteOnAction({ actionId: id, userId: u.sec1!, vote: "approve", requestId: "groups" })).toMatchObject({ status: "approved" });
    // A write is not bound by the rule; and anyone in scope may still reject.
    const w = await propose("acme", "ticket.close", { ticket_id: "T-7002" });
    expect((await voteOnAction({ actionId: w, userId: u.other!, vote: "approve", requestId: "groups" })).status).toBe("approved");
  });

  it("loosening the required groups waits for a second admin; tightening is immediate", async () => {
    const r = await setRouteReviewers(
      { route: "support/send", tenant: "*", group_id: g.support!, escalation_chain: [g.security!, g.oncall!], required_groups: [g.support!] },
      { actorId: u.admin1! },
    );
    expect(r.status).toBe("pending");
    const row = await db().routeReviewers.findFirstOrThrow({ where: { routeName: "support/send", tenantId: "*" } });
    expect(row.requiredGroups.split(",").sort()).toEqual([g.support, g.security].sort()); // still in force
    expect((await appError(deleteRouteReviewers(row.id, { actorId: u.admin1! }))).reason).toBe("needs_second_admin");
    expect((await appError(approveRequiredGroups(row.id, { actorId: u.admin1!, channel: "console" }))).reason).toBe("author_cannot_approve");
    expect((await appError(approveRequiredGroups(row.id, { actorId: u.admin2!, channel: "api_token" }))).reason).toBe("channel");
    expect(await approveRequiredGroups(row.id, { actorId: u.admin2!, channel: "console" })).toEqual({ status: "approved" });
    expect((await db().routeReviewers.findUniqueOrThrow({ where: { id: row.id } })).requiredGroups).toBe(g.support);
    expect((await appError(approveRequiredGroups(row.id, { actorId: u.admin2!, channel: "console" }))).reason).toBe("already_decided");
    // Tightening back: at once.
    const t = await setRouteReviewers(
      { route: "support/send", tenant: "*", group_id: g.support!, escalation_chain: [g.security!, g.oncall!], required_groups: [g.support!, g.security!] },
      { actorId: u.admin1! },
    );
    expect(t.status).toBe("applied");
    const unknown = await appError(
      setRouteReviewers({ route: "support/send", tenant: "acme", group_id: "nope", escalation_chain: [], required_groups: [] }, { actorId: u.admin1! }),
    );
    expect(unknown.code).toBe("validation_failed");
  });

  it("routing: only the route's group is e-mailed; escalation asks the chain in turn; the card names who was asked", async () => {
    const id = await propose("acme", "ticket.close", { ticket_id: "T-7003" });
    const start = inbox.length;
    await enqueueDueNotifications();
    await deliverDueNotifications();
    expect(mailTo(id, start)).toEqual(["sup1.groups@example.com", "sup2.groups@example.com"]);
    const created = (await db().action.findUniqueOrThrow({ where: { id } })).createdAt.getTime();
    // The real sweep, 301 s on: the chain's first group (security) is asked and told.
    await escalateDueActions(new Date(created + 301_000));
    expect(await db().actionAsk.findMany({ where: { actionId: id }, orderBy: { level: "asc" }, select: { reason: true, level: true, groupId: true } })).toEqual([
      { reason: "routed", level: 0, groupId: g.support },
      { reason: "escalated", level: 1, groupId: g.security },
    ]);
    const atEscalation = inbox.length;
    await enqueueDueNotifications();
    await deliverDueNotifications();
    expect(mailTo(id, atEscalation)).toEqual(["sec1.groups@example.com"]);
    // Not yet time for the chain's next step; then, after another 300 s, oncall.
    expect(await advanceEscalationChains(new Date(created + 400_000))).toBe(0);
    expect(await advanceEscalationChains(new Date(created + 601_000))).toBeGreaterThanOrEqual(1);
    expect(await advanceEscalationChains(new Date(created + 602_000))).toBe(0);
    const step2 = inbox.length;
    await enqueueDueNotifications();
    await deliverDueNotifications();
    // oncall's in-scope members who were not told at step 1: the acme-only reviewer covers acme/prod too.
    expect(mailTo(id, step2)).toEqual(["acmeonly.groups@example.com", "other.groups@example.com"]);
    const escalated = await db().auditEvent.findMany({ where: { actionId: id, type: "action.escalated" }, orderBy: { seq: "asc" } });
    expect(escalated.map((e) => JSON.parse(e.data).asked_group_id)).toEqual([g.security, g.oncall]);
    const card = await detailRoute(await sessionRequest(u.sec1!, `http://localhost:3000/api/console/actions/${id}`), { params: Promise.resolve({ id }) });
    const body = (await card.json()) as { asked: { group: string; reason: string; level: number }[] };
    expect(body.asked.map((a) => `${a.group}:${a.reason}:${a.level}`)).toEqual(["support:routed:0", "security:escalated:1", "oncall:escalated:2"]);
  });

  it("needs me follows routing: the route's group and whoever was asked", async () => {
    const id = await propose("acme", "ticket.close", { ticket_id: "T-7004" });
    const mine = async (who: string) => {
      const me = await db().user.findUniqueOrThrow({ where: { id: u[who]! } });
      const page = await listQueue({ mine: "1" }, { id: me.id, email: me.email, scopes: parseScopes(me.scopes) }, { limit: 200 });
      return page.items.some((i) => i.id === id);
    };
    await enqueueDueNotifications();
    await deliverDueNotifications();
    expect(await mine("sup1")).toBe(true);
    expect(await mine("sec1")).toBe(false);
    await reassignAction(id, { user_id: u.sec1! }, { actorId: u.admin1! });
    expect(await mine("sec1")).toBe(true);
    expect(await mine("other")).toBe(false);
    const start = inbox.length;
    await enqueueDueNotifications();
    await deliverDueNotifications();
    expect(mailTo(id, start)).toEqual(["sec1.groups@example.com"]);
    expect(await db().auditEvent.count({ where: { actionId: id, type: "action.reassigned" } })).toBe(1);
    // 600 later asks of sec1 about actions decided since (needs me once read only the newest 500 asks).
    const later = new Date(Date.now() + 60_000);
    await db().actionAsk.createMany({
      data: Array.from({ length: 600 }, (_, i) => ({ actionId: `act_decided_${i}`, userId: u.sec1!, reason: "reassigned", level: 0, askedAt: later })),
    });
    expect(await mine("sec1")).toBe(true);
  });

  it("reassigning is for admins whose scopes cover the action; a foreign action is a 404", async () => {
    const globex = await propose("globex", "ticket.close", { ticket_id: "T-7005" });
    const scopedAdmin = await makeUser("scoped.admin.groups@example.com", ["admin"]);
    await db().user.update({ where: { id: scopedAdmin }, data: { scopes: "acme/*" } });
    const post = async (user: string, id: string, body: unknown) =>
      reassignRoute(
        await sessionRequest(user, `http://localhost:3000/api/console/actions/${id}/reassign`, {
          method: "POST",
          body: JSON.stringify(body),
          headers: { "content-type": "application/json", "x-gatehouse-console": "1" },
        }),
        { params: Promise.resolve({ id }) },
      );
    expect((await post(scopedAdmin, globex, { group_id: g.security })).status).toBe(404);
    expect((await post(u.sup1!, globex, { group_id: g.security })).status).toBe(403);
    expect((await post(u.admin1!, globex, { user_id: u.acmeonly })).status).toBe(422); // not a reviewer of globex
    expect((await post(u.admin1!, globex, { group_id: g.security, user_id: u.sec1 })).status).toBe(422);
    expect((await post(u.admin1!, globex, { group_id: g.security })).status).toBe(200);
    expect(await db().actionAsk.count({ where: { actionId: globex, reason: "reassigned" } })).toBe(1);
  });

  it("a tenant row cannot drop the * row's required groups without a second admin, nor can removing a stricter tenant row", async () => {
    const put = async (body: unknown) => {
      const res = await routeReviewersRoute(
        await sessionRequest(u.admin1!, "http://localhost:3000/api/console/route-reviewers", {
          method: "PUT",
          headers: { "x-gatehouse-console": "1", "content-type": "application/json" },
          body: JSON.stringify(body),
        }),
        { params: Promise.resolve({}) },
      );
      return { status: res.status, body: await res.json() };
    };
    const remove = async (id: string) =>
      deleteRoutingRoute(
        await sessionRequest(u.admin1!, `http://localhost:3000/api/console/route-reviewers/${id}`, { method: "DELETE", headers: { "x-gatehouse-console": "1" } }),
        {
          params: Promise.resolve({ id }),
        },
      );
    const star = await db().routeReviewers.findFirstOrThrow({ where: { routeName: "support/send", tenantId: "*" } });
    expect(star.requiredGroups.split(",").sort()).toEqual([g.support, g.security].sort());
    expect(await db().routeReviewers.count({ where: { routeName: "support/send", tenantId: "globex" } })).toBe(0);

    // A first globex row naming no required groups would override the * row: that is a loosening.
    const first = await put({ route: "support/send", tenant: "globex", group_id: g.support, required_groups: [] });
    expect(first).toMatchObject({ status: 200, body: { status: "pending" } });
    const row = await db().routeReviewers.findFirstOrThrow({ where: { routeName: "support/send", tenantId: "globex" } });
    expect(row.requiredGroups.split(",").sort()).toEqual([g.support, g.security].sort()); // what applied before stays in force
    expect(await db().auditEvent.count({ where: { type: "route_reviewers.loosening_requested", actorId: u.admin1! } })).toBeGreaterThanOrEqual(2);
    // Real votes: a globex destructive action still needs the groups.
    const id = await propose("globex", "customer.delete", { customer_id: "C-7100" });
    expect((await appError(voteOnAction({ actionId: id, userId: u.other!, vote: "approve", requestId: "groups" }))).reason).toBe("required_group");
    // Replacing a group is a loosening too (security dropped for oncall).
    expect((await put({ route: "support/send", tenant: "globex", group_id: g.support, required_groups: [g.support, g.oncall] })).body.status).toBe("pending");
    expect(await approveRequiredGroups(row.id, { actorId: u.admin2!, channel: "console" })).toEqual({ status: "approved" });
    expect((await db().routeReviewers.findUniqueOrThrow({ where: { id: row.id } })).requiredGroups.split(",").sort()).toEqual([g.support, g.oncall].sort());

    // Removing the globex row now brings security back but drops oncall: a loosening, refused.
    const refused = await remove(row.id);
    expect(refused.status).toBe(409);
    expect((await refused.json()).error.reason).toBe("needs_second_admin");
    expect(await db().routeReviewers.count({ where: { id: row.id } })).toBe(1);
    // A tenant row no stricter than * may go at once: after approval it names the same groups as *.
    expect((await put({ route: "support/send", tenant: "globex", group_id: g.support, required_groups: [g.support] })).body.status).toBe("pending");
    await approveRequiredGroups(row.id, { actorId: u.admin2!, channel: "console" });
    expect((await remove(row.id)).status).toBe(200);
    expect(await db().routeReviewers.count({ where: { id: row.id } })).toBe(0);
    // A tenant row that only adds to * applies at once.
    expect((await put({ route: "support/send", tenant: "globex", group_id: g.support, required_groups: [g.support, g.security] })).body.status).toBe("applied");
  });
});
