import "server-only";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { redactText } from "@/lib/redact/redact";
import { isUniqueViolation } from "@/lib/db/errors";
import { reviewersFor } from "@/lib/notifications/recipients";
import { parseRoles } from "@/lib/auth/roles";
import { isUnrestricted, parseScopes } from "@/lib/auth/scopes";

/** "Expiry soon": a pending action this close to its expiry is announced once more. */
export const EXPIRY_SOON_MS = 120_000;

/** How far back the sweep looks for pending actions nobody was told about (a restart catches up within it). */
const LOOKBACK_MS = 24 * 3600_000;

/** The card's deep link. */
export const cardLink = (actionId: string) => `${env().publicUrl}/queue?id=${encodeURIComponent(actionId)}`;

/** Message text as the audit log would hold it: secrets and personal data masked, one line, bounded. */
const masked = (s: string, max = 300) =>
  redactText(s)
    .replace(/[\r\n\t]+/g, " ")
    .slice(0, max);

/**
 * Find pending actions and write one outbox row per reviewer who should hear
 * of them: "pending_action" for every pending action, "escalation" once it is
 * escalated. Runs in the background sweep, never in the agent's request; the
 * unique (kind, subject, user) makes it idempotent across sweeps and instances.
 * Returns how many rows it wrote.
 */
export async function enqueueDueNotifications(now = new Date()): Promise<number> {
  if (!env().GATEHOUSE_SMTP_URL) return 0;
  // scope-guard: a system sweep, not a console read; recipients are chosen by scope in reviewersFor
  // A canary (lib/canaries) never notifies anyone.
  const canaries = (await db().canaryAction.findMany({ where: { outcome: "pending" }, select: { actionId: true } })).map((c) => c.actionId);
  const actions = await db().action.findMany({
    where: { status: "pending", createdAt: { gte: new Date(now.getTime() - LOOKBACK_MS) }, ...(canaries.length ? { id: { notIn: canaries } } : {}) },
    select: { id: true, tool: true, toolKind: true, summary: true, tenantId: true, env: true, routeName: true, onBehalfOf: true, escalatedAt: true, expiresAt: true },
    orderBy: { createdAt: "asc" },
    take: 500,
  });
  let written = 0;
  for (const a of actions) {
    const soon = a.expiresAt !== null && a.expiresAt.getTime() - now.getTime() <= EXPIRY_SOON_MS && a.expiresAt.getTime() > now.getTime();
    const kinds = (["pending_action", ...(a.escalatedAt ? ["escalation"] : []), ...(soon ? ["expiry_soon"] : [])] as const).map(String);
    const people = await reviewersFor(a);
    for (const kind of kinds) {
      const done = await db().notificationOutbox.findMany({ where: { kind, subjectId: a.id }, select: { userId: true } });
      for (const p of people.filter((x) => !done.some((d) => d.userId === x.id))) {
        const lead = kind === "escalation" ? "Still waiting (escalated)" : kind === "expiry_soon" ? "Expires soon" : "Waiting for your review";
        const subject = masked(`[Gatehouse] ${lead}: ${a.tool} for ${a.tenantId}/${a.env}`, 200);
        const body = [
          `${lead}: ${a.toolKind} ${a.tool} on route ${a.routeName} (${a.tenantId}/${a.env}).`,
          `Summary: ${masked(a.summary)}`,
          a.expiresAt ? `Expires: ${a.expiresAt.toISOString()}` : "",
          "",
          `Open the card to decide: ${cardLink(a.id)}`,
          "Decisions are made in the console only; replying to this message does nothing.",
        ]
          .filter((l, i, all) => l !== "" || all[i - 1] !== "")
          .join("\n");
        try {
          await db().notificationOutbox.create({ data: { kind, subjectId: a.id, userId: p.id, recipient: p.email, subject, body } });
          written++;
        } catch (err) {
          if (!isUniqueViolation(err)) throw err; // another instance wrote it first
        }
      }
    }
  }
  return written + (await enqueueBreakGlassNotifications(now));
}

/**
 * "Break-glass opened": every enabled admin and on-call of every tenant (a
 * session is not bound to one) except the person who opened it, once per session.
 */
async function enqueueBreakGlassNotifications(now: Date): Promise<number> {
  const sessions = await db().breakGlassSession.findMany({ where: { endedAt: null, expiresAt: { gt: now } }, take: 50 });
  if (!sessions.length) return 0;
  const users = await db().user.findMany({ where: { disabled: false }, select: { id: true, email: true, roles: true, scopes: true } });
  const watchers = users.filter((u) => parseRoles(u.roles).some((r) => r === "admin" || r === "oncall") && isUnrestricted({ scopes: parseScopes(u.scopes) }));
  let written = 0;
  for (const s of sessions) {
    const opener = users.find((u) => u.id === s.userId)?.email ?? s.userId;
    for (const w of watchers.filter((x) => x.id !== s.userId)) {
      try {
        await db().notificationOutbox.create({
          data: {
            kind: "break_glass",
            subjectId: s.id,
            userId: w.id,
            recipient: w.email,
            subject: "[Gatehouse] Break-glass opened",
            body: [
              `${opener} opened a break-glass session until ${s.expiresAt.toISOString()}.`,
              `Reason: ${masked(s.reason)}`,
              "",
              `Review it: ${env().publicUrl}/break-glass/review/${encodeURIComponent(s.id)}`,
            ].join("\n"),
          },
        });
        written++;
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
    }
  }
  return written;
}
