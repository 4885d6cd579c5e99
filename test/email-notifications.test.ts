import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SMTPServer } from "smtp-server";
import { freshDemoDb } from "./support/demo-db";
import { actionRow, makeUser, notificationsOff, notificationsOn } from "./support/fixtures";
import { demoAgent, sessionRequest } from "./security/helpers";
import { db } from "@/lib/db/client";
import { resetEnvForTests } from "@/lib/env";
import { authenticateAgent } from "@/lib/agents/authenticate-agent";
import { startRun } from "@/lib/runs/start-run";
import { proposeAction } from "@/lib/actions/propose-action";
import { voteOnAction } from "@/lib/actions/vote-on-action";
import { EXPIRY_SOON_MS, enqueueDueNotifications } from "@/lib/notifications/sweep";
import { openBreakGlass } from "@/lib/break-glass/open-break-glass";
import { deliverDueNotifications, NOTIFY_BACKOFF_MS } from "@/lib/notifications/deliver";
import { GET as detailRoute } from "@/app/api/console/actions/[id]/route";

// E-mail notifications against a real SMTP server started here (smtp-server on
// loopback): the right reviewers (scoped!) get a message with a working deep
// link, secrets are masked, every send is audited, and a dead server only
// leaves rows to retry — decisions go on.

type Mail = { from: string; to: string[]; data: string };
const inbox: Mail[] = [];
let smtp: SMTPServer;
let port = 0;
let cleanup: () => Promise<void>;
const u: Record<string, string> = {};
let n = 0;

function startSmtp(): Promise<void> {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        inbox.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks).toString("utf8"),
        });
        cb();
      });
    },
  });
  return new Promise((resolve) =>
    smtp.listen(port, "127.0.0.1", () => {
      port = (smtp.server.address() as { port: number }).port;
      resolve();
    }),
  );
}

async function propose(tenant: string, tool: string, args: Record<string, unknown>): Promise<string> {
  const a = demoAgent(tenant, "prod", "support/send");
  const p = await authenticateAgent(new Request("http://x", { headers: { authorization: `Bearer ${a.key}` } }));
  const run = await startRun(p, "support/send", { requestId: "mail" });
  return (await proposeAction(p, { run_id: run.run_id, tool, args, idempotency_key: `mail-${++n}`, reason: "customer asked" }, { requestId: "mail" })).view.action_id;
}

beforeAll(async () => {
  await startSmtp();
  ({ cleanup } = await freshDemoDb());
  await notificationsOn(`smtp://127.0.0.1:${port}`); // only the users made here are told
  u.acme = await makeUser("acme.mail@example.com", ["reviewer"]);
  u.globex = await makeUser("globex.mail@example.com", ["reviewer"]);
  u.all = await makeUser("all.mail@example.com", ["reviewer"]);
  u.viewer = await makeUser("viewer.mail@example.com", ["viewer"]);
  await db().user.update({ where: { id: u.acme }, data: { scopes: "acme/prod" } });
  await db().user.update({ where: { id: u.globex }, data: { scopes: "globex/*" } });
}, 60_000);
afterAll(async () => {
  notificationsOff();
  await cleanup();
  await new Promise<void>((r) => smtp.close(() => r()));
});

describe("e-mail notifications", () => {
  it("a new pending action reaches exactly the reviewers whose scopes cover it, with a deep link that opens the card", async () => {
    const acmeId = await propose("acme", "ticket.close", { ticket_id: "T-6001", resolution: "key sk_live_4eC39HqLyjWDarjtT1zdp7dc was rotated" });
    const globexId = await propose("globex", "ticket.close", { ticket_id: "T-6002" });
    expect(await enqueueDueNotifications()).toBe(4);
    expect(await enqueueDueNotifications()).toBe(0); // idempotent
    expect(await deliverDueNotifications()).toEqual([4, 0]);
    const to = (id: string) =>
      inbox
        .filter((m) => m.data.includes(id))
        .flatMap((m) => m.to)
        .sort();
    expect(to(acmeId)).toEqual(["acme.mail@example.com", "all.mail@example.com"]);
    expect(to(globexId)).toEqual(["all.mail@example.com", "globex.mail@example.com"]);
    const mail = inbox.find((m) => m.to.includes("acme.mail@example.com"))!;
    expect(mail.data).not.toContain("sk_live_4eC39HqLyjWDarjtT1zdp7dc");
    // Quoted-printable: join soft line breaks, then decode "=3D".
    const text = mail.data.replace(/=\r?\n/g, "").replace(/=3D/g, "=");
    const link = /https:\/\/gatehouse\.example\.test\/queue\?id=(\S+)/.exec(text)!;
    expect(link).not.toBeNull();
    const id = decodeURIComponent(link[1]!);
    expect(id).toBe(acmeId);
    const card = await detailRoute(await sessionRequest(u.acme!, `http://localhost:3000/api/console/actions/${id}`), { params: Promise.resolve({ id }) });
    expect(card.status).toBe(200);
    expect(await db().auditEvent.count({ where: { type: "notification.sent" } })).toBe(4);
  });

  it("escalation tells them again, once", async () => {
    const id = await propose("acme", "ticket.close", { ticket_id: "T-6003" });
    await enqueueDueNotifications();
    await deliverDueNotifications();
    const before = inbox.length;
    await db().action.update({ where: { id }, data: { escalatedAt: new Date() } });
    expect(await enqueueDueNotifications()).toBe(2);
    await deliverDueNotifications();
    const escalations = inbox.slice(before);
    expect(escalations.flatMap((m) => m.to).sort()).toEqual(["acme.mail@example.com", "all.mail@example.com"]);
    expect(escalations.every((m) => /escalated/i.test(m.data))).toBe(true);
  });

  it("expiry soon is announced once to the action's reviewers", async () => {
    const id = await propose("globex", "ticket.close", { ticket_id: "T-6005" });
    await enqueueDueNotifications();
    await deliverDueNotifications();
    const before = inbox.length;
    await db().action.update({ where: { id }, data: { expiresAt: new Date(Date.now() + EXPIRY_SOON_MS / 2) } });
    expect(await enqueueDueNotifications()).toBe(2);
    expect(await enqueueDueNotifications()).toBe(0);
    await deliverDueNotifications();
    const soon = inbox.slice(before);
    expect(soon.flatMap((m) => m.to).sort()).toEqual(["all.mail@example.com", "globex.mail@example.com"]);
    expect(soon.every((m) => /expires soon/i.test(m.data))).toBe(true);
  });

  it("break-glass opened reaches every unrestricted admin and on-call but the opener, once", async () => {
    const oncall = await makeUser("oncall.mail@example.com", ["oncall"]);
    const admin = await makeUser("admin.mail@example.com", ["admin"]);
    const scopedAdmin = await makeUser("scoped.admin.mail@example.com", ["admin"]);
    await db().user.update({ where: { id: scopedAdmin }, data: { scopes: "acme/*" } });
    expect(admin).toBeTruthy();
    const before = inbox.length;
    await openBreakGlass(oncall, { password: "pw-oncall.mail@example.com", reason: "payments outage, token sk_live_4eC39HqLyjWDarjtT1zdp7dc" });
    expect(await enqueueDueNotifications()).toBe(1);
    expect(await enqueueDueNotifications()).toBe(0);
    await deliverDueNotifications();
    const bg = inbox.slice(before);
    expect(bg.flatMap((m) => m.to)).toEqual(["admin.mail@example.com"]);
    expect(bg[0]!.data).toMatch(/break-glass/i);
    expect(bg[0]!.data).not.toContain("sk_live_4eC39HqLyjWDarjtT1zdp7dc");
  });

  it("a dead SMTP server never blocks a decision: rows wait, failures are audited, a later attempt sends them", async () => {
    const id = await propose("acme", "ticket.close", { ticket_id: "T-6004" });
    process.env.GATEHOUSE_SMTP_URL = "smtp://127.0.0.1:1";
    resetEnvForTests();
    await enqueueDueNotifications();
    const [sent, failed] = await deliverDueNotifications();
    expect(sent).toBe(0);
    expect(failed).toBeGreaterThan(0);
    expect(await db().auditEvent.count({ where: { type: "notification.failed", status: "retrying" } })).toBeGreaterThan(0);
    // The decision goes through while the channel is down.
    const r = await voteOnAction({ actionId: id, userId: u.acme!, vote: "approve", requestId: "mail" });
    expect(r.status).toBe("approved");
    process.env.GATEHOUSE_SMTP_URL = `smtp://127.0.0.1:${port}`;
    resetEnvForTests();
    const later = new Date(Date.now() + NOTIFY_BACKOFF_MS[0]! + 1000);
    const [sentLater] = await deliverDueNotifications(later);
    expect(sentLater).toBe(failed);
    expect(await db().notificationOutbox.count({ where: { status: "pending" } })).toBe(0);
  });

  it("a long queue is told in full: the 601st pending action reaches its reviewers like the first", async () => {
    const now = Date.now();
    const ids = Array.from({ length: 601 }, (_, i) => `act_mail_long_${String(i).padStart(4, "0")}`);
    await db().action.createMany({
      data: ids.map((id, i) => actionRow(id, { summary: `Close T-${i}`, createdAt: new Date(now - 3600_000 + i), expiresAt: new Date(now + 3600_000) })),
    });
    await enqueueDueNotifications();
    const told = async (id: string) =>
      (await db().notificationOutbox.findMany({ where: { kind: "pending_action", subjectId: id }, select: { recipient: true } })).map((r) => r.recipient).sort();
    // acme/prod: the acme reviewer and the unrestricted one, for the oldest and the newest alike.
    expect(await told(ids[0]!)).toEqual(["acme.mail@example.com", "all.mail@example.com"]);
    expect(await told(ids[600]!)).toEqual(["acme.mail@example.com", "all.mail@example.com"]);
    expect(await db().notificationOutbox.count({ where: { kind: "pending_action", subjectId: { in: ids } } })).toBe(2 * 601);
    // The next sweep finds every row in the outbox already: it writes nothing.
    expect(await enqueueDueNotifications()).toBe(0);
  });
});
