import "server-only";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { redactText } from "@/lib/redact/redact";
import { isUniqueViolation } from "@/lib/db/errors";
import { reviewerCandidates, reviewersFor } from "@/lib/notifications/recipients";
import { parseRoles } from "@/lib/auth/roles";
import { isUnrestricted, roleScopedRow, scopesFor } from "@/lib/auth/scopes";
import { resolveRouting } from "@/lib/reviewer-groups/routing";
import { recordAsk } from "@/lib/reviewer-groups/asks";
import { actionMessage, breakGlassMessage } from "@/lib/slack/message";
import { slackButtonsEnabled, slackChannelFor, slackConfigured } from "@/lib/slack/config";

/** "Expiry soon": a pending action this close to its expiry is announced once more. */
export const EXPIRY_SOON_MS = 120_000;

/** How far back the sweep looks for pending actions nobody was told about (a restart catches up within it). */
export const LOOKBACK_MS = 24 * 3600_000;

/** The card's deep link. */
export const cardLink = (actionId: string) => `${env().publicUrl}/queue?id=${encodeURIComponent(actionId)}`;

/** Message text as the audit log would hold it: secrets and personal data masked, one line, bounded. */
const masked = (s: string, max = 300) =>
  redactText(s)
    .replace(/[\r\n\t]+/g, " ")
    .slice(0, max);

/** True when some channel (SMTP, Slack) is configured: without one, nothing is enqueued. */
export const notificationsConfigured = () => !!(env().GATEHOUSE_SMTP_URL || slackConfigured());

type Outbox = { kind: string; subjectId: string; userId: string; recipient: string; subject: string; body: string; channel: "email" | "slack" };

/** Write one outbox row; false when it exists (the unique (kind, subject, user) makes the sweep idempotent across sweeps and instances). */
async function enqueue(row: Outbox): Promise<boolean> {
  try {
    await db().notificationOutbox.create({ data: row });
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false; // another instance wrote it first
    throw err;
  }
}

const LEAD: Record<string, string> = {
  pending_action: "Waiting for your review",
  escalation: "Still waiting (escalated)",
  reassigned: "Reassigned to you",
  expiry_soon: "Expires soon",
};

/**
 * Find pending actions and write one outbox row per person (e-mail) and per
 * Slack channel that should hear of them: "pending_action" for every pending
 * action, "escalation" once it is escalated, "reassigned" when an admin names
 * someone, "expiry_soon" near its expiry. With a route's reviewer group
 * (lib/reviewer-groups) only that group's in-scope reviewers hear of it, and
 * an escalation or reassignment only the people asked; without one, every
 * in-scope reviewer (reviewersFor). Runs in the background sweep, never in
 * the agent's request. Returns how many rows it wrote. This is the full
 * sweep (every pending action of the lookback); the background worker runs
 * it through notificationSweeper, which visits only what changed in between.
 */
export async function enqueueDueNotifications(now = new Date()): Promise<number> {
  return (await sweepNotifications(now, null)).written;
}

/** A full sweep at most this far apart; in between, only what changed (notificationSweeper). */
export const FULL_SWEEP_MS = 60_000;
/** How far an incremental sweep reaches back before the last one began: a row stamped before a commit that landed after that read, or by another instance's clock. */
export const SWEEP_OVERLAP_MS = 10_000;

/**
 * The background worker's sweep: a full one first and every FULL_SWEEP_MS,
 * and in between one that visits only the pending actions that may need a
 * message since the last sweep began (less SWEEP_OVERLAP_MS): proposed,
 * escalated or asked of someone since, or inside the "expires soon" window.
 * What only a full sweep sees (a reviewer added, scopes or routing changed)
 * reaches people within FULL_SWEEP_MS. With a long queue the repeat sweep's
 * cost is that of what changed, not of the queue. Per process; the outbox's
 * unique row keeps instances from telling anyone twice.
 */
export function notificationSweeper(): (now?: Date) => Promise<{ written: number; considered: number; full: boolean }> {
  let lastFull = -Infinity;
  let lastStart: number | null = null;
  return async (now = new Date()) => {
    const full = lastStart === null || now.getTime() - lastFull >= FULL_SWEEP_MS || now.getTime() < lastStart;
    const since = full ? null : new Date(lastStart! - SWEEP_OVERLAP_MS);
    const out = await sweepNotifications(now, since);
    if (full) lastFull = now.getTime();
    lastStart = now.getTime();
    return { ...out, full };
  };
}

/** One sweep: every pending action of the lookback (since null), or only those that changed since `since`. */
async function sweepNotifications(now: Date, since: Date | null): Promise<{ written: number; considered: number }> {
  if (!notificationsConfigured()) return { written: 0, considered: 0 };
  // A canary (lib/canaries) never notifies anyone.
  const canaries = (await db().canaryAction.findMany({ where: { outcome: "pending" }, select: { actionId: true } })).map((c) => c.actionId);
  const lookback = { status: "pending", createdAt: { gte: new Date(now.getTime() - LOOKBACK_MS) }, ...(canaries.length ? { id: { notIn: canaries } } : {}) };
  const changed = since ? await changedSince(since, now) : null;
  const base = changed ? { AND: [lookback, changed] } : lookback;
  // Read once per sweep, not once per action, and only when there is an action to tell: the routing, the groups and the people who may be told.
  let sweep: Sweep | null = null;
  const load = async (): Promise<Sweep> => ({
    now,
    email: !!env().GATEHOUSE_SMTP_URL,
    routingRows: await routingRows(),
    groups: new Map((await db().reviewerGroup.findMany({ select: { id: true, name: true, slackChannel: true } })).map((g) => [g.id, g])),
    users: await reviewerCandidates(),
  });
  // Every such action, in keyset chunks: however long the queue, the newest is told too.
  let written = 0;
  let considered = 0;
  let after: { createdAt: Date; id: string } | null = null;
  for (;;) {
    const where: Record<string, unknown> = after ? { AND: [base, { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] }] } : base;
    const actions = await readChunk(where);
    considered += actions.length;
    if (actions.length) written += await notifyChunk((sweep ??= await load()), actions);
    if (actions.length < SWEEP_CHUNK) break;
    after = actions.at(-1)!;
  }
  return { written: written + (await enqueueBreakGlassNotifications(now)), considered };
}

/** Asked actions an incremental sweep names by id; past it, the sweep is a full one. */
const MAX_ASKED_IDS = 1_000;

/**
 * What may need a message since `since`: proposed, escalated or asked of someone since, or now inside the "expires soon" window;
 * null (sweep everything) when more actions were asked about than an id list should carry.
 */
async function changedSince(since: Date, now: Date): Promise<Record<string, unknown> | null> {
  // On the ActionAsk(askedAt) index: routing, escalation chains and reassignments write asks.
  const asks = await db().actionAsk.findMany({ where: { askedAt: { gte: since } }, select: { actionId: true }, take: MAX_ASKED_IDS + 1 });
  if (asks.length > MAX_ASKED_IDS) return null;
  const asked = [...new Set(asks.map((a) => a.actionId))];
  return {
    OR: [
      { createdAt: { gte: since } },
      { escalatedAt: { gte: since } },
      { expiresAt: { gt: now, lte: new Date(now.getTime() + EXPIRY_SOON_MS) } },
      ...(asked.length ? [{ id: { in: asked } }] : []),
    ],
  };
}

/** Pending actions read per query of the sweep. */
const SWEEP_CHUNK = 500;
const SWEEP_COLUMNS = {
  id: true,
  tool: true,
  toolKind: true,
  summary: true,
  tenantId: true,
  env: true,
  routeName: true,
  onBehalfOf: true,
  escalatedAt: true,
  expiresAt: true,
  argsHash: true,
  approvalsRequired: true,
  createdAt: true,
} as const;

const routingRows = () => db().routeReviewers.findMany();

/** One chunk of pending actions, oldest first. */
const readChunk = (where: Record<string, unknown>) =>
  // scope-guard: a system sweep, not a console read; recipients are chosen by scope in reviewersFor
  db().action.findMany({ where, select: SWEEP_COLUMNS, orderBy: [{ createdAt: "asc" }, { id: "asc" }], take: SWEEP_CHUNK });
type SweptAction = Awaited<ReturnType<typeof readChunk>>[number];

type Sweep = {
  now: Date;
  email: boolean;
  routingRows: Awaited<ReturnType<typeof routingRows>>;
  groups: Map<string, { id: string; name: string; slackChannel: string | null }>;
  users: Awaited<ReturnType<typeof reviewerCandidates>>;
};

/** One chunk of the sweep: what each action's plan says, less what the outbox already holds (one read for the chunk). */
async function notifyChunk(sweep: Sweep, actions: SweptAction[]): Promise<number> {
  const { now, email, routingRows, groups } = sweep;
  let written = 0;
  const ids = actions.map((a) => a.id);
  // One read of every ask and every outbox row for the chunk, not one per action.
  const allAsks = await db().actionAsk.findMany({ where: { actionId: { in: ids } }, orderBy: { askedAt: "asc" } });
  const sent = new Set(
    // By kind and subject: the outbox's unique (kind, subjectId, userId) index serves it, however long the outbox.
    (await db().notificationOutbox.findMany({ where: { kind: { in: Object.keys(LEAD) }, subjectId: { in: ids } }, select: { kind: true, subjectId: true, userId: true } })).map(
      (o) => `${o.kind}\n${o.subjectId}\n${o.userId}`,
    ),
  );
  const wasSent = (kind: string, subjectId: string, userId: string) => sent.has(`${kind}\n${subjectId}\n${userId}`);
  for (const a of actions) {
    const r = resolveRouting(routingRows, a.routeName, a.tenantId);
    let asks = allAsks.filter((x) => x.actionId === a.id);
    if (r && !asks.some((x) => x.reason === "routed") && (await recordAsk(db(), { actionId: a.id, reason: "routed", level: 0, groupId: r.groupId, at: now }))) {
      asks = [{ id: "", actionId: a.id, reason: "routed", level: 0, groupId: r.groupId, userId: null, askedById: null, askedAt: now }, ...asks];
    }
    const escalated = asks.filter((x) => x.reason === "escalated");
    const reassigned = asks.filter((x) => x.reason === "reassigned");
    const groupsOf = (xs: typeof asks) => xs.map((x) => x.groupId).filter((x): x is string => !!x);
    const usersOf = (xs: typeof asks) => xs.map((x) => x.userId).filter((x): x is string => !!x);
    const routed = r ? { groupIds: [r.groupId] } : undefined;
    const soon = a.expiresAt !== null && a.expiresAt.getTime() - now.getTime() <= EXPIRY_SOON_MS && a.expiresAt.getTime() > now.getTime();
    const plan: { kind: string; only: { groupIds: string[]; userIds?: string[] } | undefined; groupIds: string[] }[] = [
      { kind: "pending_action", only: routed, groupIds: routed?.groupIds ?? [] },
    ];
    if (a.escalatedAt) {
      const only = escalated.length ? { groupIds: groupsOf(escalated), userIds: usersOf(escalated) } : routed;
      plan.push({ kind: "escalation", only, groupIds: only?.groupIds ?? [] });
    }
    if (reassigned.length) plan.push({ kind: "reassigned", only: { groupIds: groupsOf(reassigned), userIds: usersOf(reassigned) }, groupIds: groupsOf(reassigned) });
    if (soon) {
      const only = r || asks.length ? { groupIds: [...(r ? [r.groupId] : []), ...groupsOf(asks)], userIds: usersOf(asks) } : undefined;
      plan.push({ kind: "expiry_soon", only, groupIds: only?.groupIds ?? [] });
    }
    const askedText = asks.length ? asks.map((x) => (x.groupId ? (groups.get(x.groupId)?.name ?? "a group") : "a person")).join(", ") : null;
    for (const { kind, only, groupIds } of plan) {
      const lead = LEAD[kind] ?? "Waiting for your review";
      if (email) {
        const people = await reviewersFor(a, only, sweep.users);
        for (const p of people.filter((x) => !wasSent(kind, a.id, x.id))) {
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
          if (await enqueue({ kind, subjectId: a.id, userId: p.id, recipient: p.email, subject, body, channel: "email" })) written++;
        }
      }
      const channel = slackChannelFor(groupIds.map((g) => groups.get(g)?.slackChannel ?? null));
      if (channel) {
        const message = actionMessage({ kind, action: a, link: cardLink(a.id), buttons: slackButtonsEnabled(), asked: askedText });
        const row = { kind, subjectId: a.id, userId: `slack:${channel}`, recipient: channel, subject: message.text, body: JSON.stringify(message), channel: "slack" as const };
        if (!wasSent(kind, a.id, row.userId) && (await enqueue(row))) written++;
      }
    }
  }
  return written;
}

/**
 * "Break-glass opened": every enabled admin and on-call of every tenant (a
 * session is not bound to one) except the person who opened it, once per session.
 */
async function enqueueBreakGlassNotifications(now: Date): Promise<number> {
  const sessions = await db().breakGlassSession.findMany({ where: { endedAt: null, expiresAt: { gt: now } }, take: 50 });
  if (!sessions.length) return 0;
  const users = await db().user.findMany({ where: { disabled: false }, select: { id: true, email: true, roles: true, scopes: true, roleScopes: true } });
  const watchers = users.filter((u) => {
    const rs = roleScopedRow({ ...u, roles: parseRoles(u.roles) });
    return (["admin", "oncall"] as const).some((r) => isUnrestricted({ scopes: scopesFor(rs, r) }));
  });
  let written = 0;
  for (const s of sessions) {
    const opener = users.find((u) => u.id === s.userId)?.email ?? s.userId;
    const link = `${env().publicUrl}/break-glass/review/${encodeURIComponent(s.id)}`;
    if (env().GATEHOUSE_SMTP_URL) {
      for (const w of watchers.filter((x) => x.id !== s.userId)) {
        const body = [`${opener} opened a break-glass session until ${s.expiresAt.toISOString()}.`, `Reason: ${masked(s.reason)}`, "", `Review it: ${link}`].join("\n");
        if (await enqueue({ kind: "break_glass", subjectId: s.id, userId: w.id, recipient: w.email, subject: "[Gatehouse] Break-glass opened", body, channel: "email" })) written++;
      }
    }
    const channel = slackChannelFor([]);
    if (channel) {
      const message = breakGlassMessage({ opener, reason: s.reason, expiresAt: s.expiresAt, link });
      if (
        await enqueue({
          kind: "break_glass",
          subjectId: s.id,
          userId: `slack:${channel}`,
          recipient: channel,
          subject: message.text,
          body: JSON.stringify(message),
          channel: "slack",
        })
      )
        written++;
    }
  }
  return written;
}
