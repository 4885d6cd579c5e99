import "server-only";
import nodemailer from "nodemailer";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { appendAudit } from "@/lib/audit/append";
import { slackConfigured } from "@/lib/slack/config";
import { postSlackMessage } from "@/lib/slack/post-message";
import type { SlackMessage } from "@/lib/slack/message";

/** Attempts before a row is given up (`failed`), with the wait before each retry. */
export const NOTIFY_BACKOFF_MS = [5_000, 30_000, 120_000, 600_000, 1_800_000];
const BATCH = 20;

let transport: { url: string; t: nodemailer.Transporter } | undefined;
function mailer(url: string): nodemailer.Transporter {
  if (transport?.url !== url) transport = { url, t: nodemailer.createTransport(url, { connectionTimeout: 5_000, greetingTimeout: 5_000, socketTimeout: 10_000 }) };
  return transport.t;
}

/**
 * Send due outbox rows: e-mail through SMTP, Slack through lib/slack/post-message. A row is claimed by a conditional
 * update (attempts moves on, next attempt pushed out) so two workers never
 * send it twice at once; a failure is audited and retried with backoff, then
 * marked failed. Nothing here is on a decision's or an agent's path: a dead
 * SMTP server only leaves rows waiting. Returns [sent, failed attempts].
 */
export async function deliverDueNotifications(now = new Date()): Promise<[number, number]> {
  const url = env().GATEHOUSE_SMTP_URL;
  const channels = [...(url ? ["email"] : []), ...(slackConfigured() ? ["slack"] : [])];
  if (!channels.length) return [0, 0];
  const due = await db().notificationOutbox.findMany({
    where: { status: "pending", nextAttemptAt: { lte: now }, channel: { in: channels } },
    orderBy: { nextAttemptAt: "asc" },
    take: BATCH,
  });
  let sent = 0;
  let failed = 0;
  for (const row of due) {
    const wait = NOTIFY_BACKOFF_MS[Math.min(row.attempts, NOTIFY_BACKOFF_MS.length - 1)]!;
    const claimed = await db().notificationOutbox.updateMany({
      where: { id: row.id, status: "pending", attempts: row.attempts },
      data: { attempts: row.attempts + 1, nextAttemptAt: new Date(now.getTime() + wait) },
    });
    if (claimed.count !== 1) continue;
    const audit = { actorType: "system" as const, actorId: "notifications", actionId: row.kind === "break_glass" ? null : row.subjectId };
    try {
      if (row.channel === "slack") await postSlackMessage(row.recipient, JSON.parse(row.body) as SlackMessage);
      else await mailer(url!).sendMail({ from: env().GATEHOUSE_MAIL_FROM, to: row.recipient, subject: row.subject, text: row.body });
      await db().$transaction(async (tx) => {
        await tx.notificationOutbox.update({ where: { id: row.id }, data: { status: "sent", sentAt: new Date(), lastError: null } });
        await appendAudit(tx, {
          ...audit,
          type: "notification.sent",
          status: "sent",
          data: { notification_id: row.id, kind: row.kind, channel: row.channel, user_id: row.userId, attempt: row.attempts + 1 },
        });
      });
      sent++;
    } catch (err) {
      failed++;
      const last = row.attempts + 1 >= NOTIFY_BACKOFF_MS.length;
      const message = (err instanceof Error ? err.message : String(err)).slice(0, 300);
      await db().$transaction(async (tx) => {
        await tx.notificationOutbox.update({ where: { id: row.id }, data: { lastError: message, ...(last ? { status: "failed" } : {}) } });
        await appendAudit(tx, {
          ...audit,
          type: "notification.failed",
          status: last ? "failed" : "retrying",
          reason: message,
          data: { notification_id: row.id, kind: row.kind, channel: row.channel, user_id: row.userId, attempt: row.attempts + 1 },
        });
      });
    }
  }
  return [sent, failed];
}

/** The notification loop: sweep for what to tell, then send; its own timer, so a slow SMTP server holds up nothing else. */
export function startNotificationWorker(enqueue: () => Promise<number>): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy || !(env().GATEHOUSE_SMTP_URL || slackConfigured())) return;
    busy = true;
    enqueue()
      .then(() => deliverDueNotifications())
      .catch((err) => console.error("notification worker failed", err))
      .finally(() => (busy = false));
  }, 2_000);
  timer.unref();
  return () => clearInterval(timer);
}
