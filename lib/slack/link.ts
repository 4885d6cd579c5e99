import "server-only";
import crypto from "node:crypto";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { appendAudit, userActor } from "@/lib/audit/append";

/**
 * Linking a Slack identity to a console user: the signed-in user asks the
 * console for a one-time code (shown once, stored hashed, 10 minutes) and
 * sends it from Slack (`/gatehouse link <code>`), a request Slack signs with
 * the user's team and user id. Never by matching e-mail addresses.
 */

export const LINK_CODE_TTL_MS = 10 * 60_000;
const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const hash = (code: string) =>
  crypto
    .createHash("sha256")
    .update(code.toUpperCase().replace(/[^A-Z0-9]/g, ""))
    .digest("hex");

/** A fresh code for `userId` (any earlier unused code of theirs stops working). */
export async function createLinkCode(ctx: { actorId: string; requestId?: string | null }, now = new Date()): Promise<{ code: string; expiresAt: string }> {
  const bytes = crypto.randomBytes(10);
  const raw = [...bytes].map((b) => ALPHABET[b % ALPHABET.length]).join("");
  const code = `${raw.slice(0, 5)}-${raw.slice(5)}`;
  const expiresAt = new Date(now.getTime() + LINK_CODE_TTL_MS);
  await db().$transaction(async (tx) => {
    await tx.slackLinkCode.deleteMany({ where: { userId: ctx.actorId } });
    await tx.slackLinkCode.create({ data: { codeHash: hash(code), userId: ctx.actorId, expiresAt } });
    await appendAudit(tx, { type: "slack.link_code_created", ...userActor(ctx), data: { expires_at: expiresAt.toISOString() } });
  });
  return { code, expiresAt: expiresAt.toISOString() };
}

/** Link the Slack identity that sent `code` (from a verified Slack request). Returns the console user's e-mail. */
export async function linkFromSlack(code: string, slack: { teamId: string; userId: string }, now = new Date()): Promise<{ email: string }> {
  return db().$transaction(async (tx) => {
    const row = await tx.slackLinkCode.findUnique({ where: { codeHash: hash(code) } });
    if (!row || row.usedAt || row.expiresAt <= now) throw new AppError("not_found", "That code is unknown or expired; make a new one in Gatehouse (Settings → Slack).");
    const user = await tx.user.findUnique({ where: { id: row.userId } });
    if (!user || user.disabled) throw new AppError("not_found", "That code is unknown or expired; make a new one in Gatehouse (Settings → Slack).");
    const taken = await tx.slackLink.findUnique({ where: { teamId_slackUserId: { teamId: slack.teamId, slackUserId: slack.userId } } });
    if (taken && taken.userId !== user.id)
      throw new AppError("conflict", "This Slack identity is linked to another Gatehouse user; unlink it there first.", { reason: "linked_elsewhere" });
    const used = await tx.slackLinkCode.updateMany({ where: { codeHash: row.codeHash, usedAt: null }, data: { usedAt: now } });
    if (used.count !== 1) throw new AppError("not_found", "That code is unknown or expired; make a new one in Gatehouse (Settings → Slack).");
    await tx.slackLink.upsert({
      where: { userId: user.id },
      create: { userId: user.id, teamId: slack.teamId, slackUserId: slack.userId, linkedAt: now },
      update: { teamId: slack.teamId, slackUserId: slack.userId, linkedAt: now },
    });
    await appendAudit(tx, { type: "slack.linked", actorType: "user", actorId: user.id, data: { slack_team_id: slack.teamId, slack_user_id: slack.userId } });
    return { email: user.email };
  });
}

/** The signed-in user's link, or null. */
export async function slackLinkOf(userId: string): Promise<{ teamId: string; slackUserId: string; linkedAt: string } | null> {
  const l = await db().slackLink.findUnique({ where: { userId } });
  return l ? { teamId: l.teamId, slackUserId: l.slackUserId, linkedAt: l.linkedAt.toISOString() } : null;
}

/** Remove the signed-in user's link (audited); codes of theirs stop working too. */
export async function unlinkSlack(ctx: { actorId: string; requestId?: string | null }): Promise<void> {
  await db().$transaction(async (tx) => {
    const gone = await tx.slackLink.deleteMany({ where: { userId: ctx.actorId } });
    await tx.slackLinkCode.deleteMany({ where: { userId: ctx.actorId } });
    if (gone.count) await appendAudit(tx, { type: "slack.unlinked", ...userActor(ctx), data: {} });
  });
}

/** The console user a Slack identity is linked to, or null. */
export async function linkedUser(slack: { teamId: string; userId: string }) {
  const l = await db().slackLink.findUnique({ where: { teamId_slackUserId: { teamId: slack.teamId, slackUserId: slack.userId } } });
  return l ? db().user.findUnique({ where: { id: l.userId } }) : null;
}
