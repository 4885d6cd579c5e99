import "server-only";
import type { Action, AgentCredential, Exec, Row } from "@/lib/db/types";
import { asSql } from "@/lib/db/sql";
import { asBool, asDate } from "@/lib/db/decode";
import { columnList } from "@/lib/db/tables/columns";
import { actionColumns, decodeAction } from "@/lib/db/tables/action";
import { agentCredentialColumns, decodeAgentCredential } from "@/lib/db/tables/agent-credential";

/**
 * The statements of a vote (lib/actions/vote-on-action.ts) and of the rules it
 * shares (lib/users/two-person.ts, lib/actions/finish-action.ts): raw, named on
 * PostgreSQL, in the caller's transaction, raw or ORM (Exec).
 */

// Setting updatedAt takes the row's lock (a row lock on PostgreSQL): concurrent votes queue here and then see
// each other's approvals. The row comes back in the same statement.
const LOCK_AND_READ = `UPDATE "Action" SET "updatedAt" = ? WHERE "id" = ? RETURNING ${columnList(actionColumns)}`;

/** Lock the action's row and read it, in one statement; null when there is no such action. */
export async function lockAndReadAction(exec: Exec, id: string, now: Date): Promise<Action | null> {
  const row = await asSql(exec).get<Row>(LOCK_AND_READ, [now, id]);
  return row ? decodeAction(row) : null;
}

export type Voter = { id: string; email: string; roles: string; disabled: boolean };
const VOTER = `SELECT "id", "email", "roles", "disabled" FROM "User" WHERE "id" = ?`;

export async function findVoter(exec: Exec, id: string): Promise<Voter | null> {
  const r = await asSql(exec).get<{ id: string; email: string; roles: string; disabled: unknown }>(VOTER, [id]);
  return r ? { id: r.id, email: r.email, roles: r.roles, disabled: asBool(r.disabled) } : null;
}

const USER_ID_BY_EMAIL = `SELECT "id" FROM "User" WHERE "email" = ?`;

export async function findUserIdByEmail(exec: Exec, email: string): Promise<string | null> {
  return (await asSql(exec).get<{ id: string }>(USER_ID_BY_EMAIL, [email]))?.id ?? null;
}

const BREAK_GLASS = `SELECT "userId", "endedAt", "expiresAt" FROM "BreakGlassSession" WHERE "id" = ?`;

export async function findBreakGlassSession(exec: Exec, id: string): Promise<{ userId: string; endedAt: Date | null; expiresAt: Date } | null> {
  const r = await asSql(exec).get<{ userId: string; endedAt: unknown; expiresAt: unknown }>(BREAK_GLASS, [id]);
  return r ? { userId: r.userId, endedAt: asDate(r.endedAt), expiresAt: asDate(r.expiresAt)! } : null;
}

const EDITOR = `SELECT "editedById" FROM "ActionEdit" WHERE "actionId" = ?`;

/** Who edited the action's args, or null (never edited). */
export async function findActionEditor(exec: Exec, actionId: string): Promise<string | null> {
  return (await asSql(exec).get<{ editedById: string }>(EDITOR, [actionId]))?.editedById ?? null;
}

export type VoteRow = { id: string; userId: string; vote: string; createdAt: Date; channel: string };
const APPROVALS = `SELECT "id", "userId", "vote", "createdAt", "channel" FROM "Approval" WHERE "actionId" = ? ORDER BY "createdAt", "id"`;

/** Every vote on the action (approvals and rejections), oldest first, with the channel it was cast on. */
export async function votesOn(exec: Exec, actionId: string): Promise<VoteRow[]> {
  const rows = await asSql(exec).all<{ id: string; userId: string; vote: string; createdAt: unknown; channel: string }>(APPROVALS, [actionId]);
  return rows.map((r) => ({ id: r.id, userId: r.userId, vote: r.vote, createdAt: asDate(r.createdAt)!, channel: r.channel }));
}

const INSERT_APPROVAL = `INSERT INTO "Approval" ("id", "actionId", "userId", "vote", "comment", "breakGlassSessionId", "timeOnCardMs", "createdAt", "channel")
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** One vote; the (actionId, userId) unique index refuses a second one by the same person. */
export async function insertApproval(
  exec: Exec,
  a: {
    id: string;
    actionId: string;
    userId: string;
    vote: string;
    comment: string | null;
    breakGlassSessionId: string | null;
    timeOnCardMs: number | null;
    createdAt: Date;
    channel: string;
  },
): Promise<void> {
  await asSql(exec).run(INSERT_APPROVAL, [a.id, a.actionId, a.userId, a.vote, a.comment, a.breakGlassSessionId, a.timeOnCardMs, a.createdAt, a.channel]);
}

// Time on card is the vote's time less the card's first serve to that voter (lib/approvals/card-views.ts): fast when the card
// was served before the vote and less than `fastMs` before it. updatedAt is left alone: the flag does not move the action in the history.
const MARK_FAST_VOTE = `UPDATE "Action" SET "fastVote" = ? WHERE "id" = ? AND "fastVote" = ? AND EXISTS (
  SELECT 1 FROM "CardView" WHERE "actionId" = ? AND "userId" = ? AND "firstServedAt" <= ? AND "firstServedAt" > ?)`;

/** Mark the action when this vote came within `fastMs` of its card's first serve to the voter (the history's fast filter). */
export async function markFastVote(exec: Exec, v: { actionId: string; userId: string; at: Date; fastMs: number }): Promise<void> {
  await asSql(exec).run(MARK_FAST_VOTE, [true, v.actionId, false, v.actionId, v.userId, v.at, new Date(v.at.getTime() - v.fastMs)]);
}

const ELEVATORS = `SELECT "requestedById", "decidedById" FROM "UserGrant" WHERE "userId" = ? AND "status" = 'approved' AND "decidedAt" > ?
UNION ALL SELECT "passwordSetBy", NULL FROM "User" WHERE "id" = ? AND "passwordSetBy" IS NOT NULL`;

/**
 * The requesters and approvers of `userId`'s grants approved after `since`, and whoever chose the account's current
 * password when it was not its user (they know it, however long ago: no window).
 */
export async function approvedGrantPeople(exec: Exec, userId: string, since: Date): Promise<{ requestedById: string; decidedById: string | null }[]> {
  return asSql(exec).all<{ requestedById: string; decidedById: string | null }>(ELEVATORS, [userId, since, userId]);
}

const finishTexts = new Map<number, string>();

/**
 * Move the action to a final state if it is still in one of `from` and its token unredeemed (the UPDATE matches
 * only such a row: of concurrent callers exactly one transitions it). True when it did.
 */
export async function finishActionRow(
  exec: Exec,
  a: { id: string; from: readonly string[]; to: string; reason: string; rejectReason: string | null; now: Date },
): Promise<boolean> {
  let text = finishTexts.get(a.from.length);
  if (text === undefined) {
    text = `UPDATE "Action" SET "status" = ?, "decisionReason" = ?, "decidedAt" = ?, "rejectReason" = ?, "tokenSealed" = NULL, "updatedAt" = ?
      WHERE "id" = ? AND "status" IN (${a.from.map(() => "?").join(", ")}) AND "redeemedAt" IS NULL`;
    finishTexts.set(a.from.length, text);
  }
  return (await asSql(exec).run(text, [a.to, a.reason, a.now, a.rejectReason, a.now, a.id, ...a.from])) === 1;
}

const APPROVE = `UPDATE "Action" SET "status" = 'approved', "decisionReason" = ?, "decidedAt" = ?, "breakGlassSessionId" = ?, "updatedAt" = ?
  WHERE "id" = ? AND "status" = 'pending'`;

/** pending → approved; false when someone else decided it first. */
export async function approveActionRow(exec: Exec, a: { id: string; reason: string; breakGlassSessionId: string | null; now: Date }): Promise<boolean> {
  return (await asSql(exec).run(APPROVE, [a.reason, a.now, a.breakGlassSessionId, a.now, a.id])) === 1;
}

const SET_REQUIRED = `UPDATE "Action" SET "approvalsRequired" = ?, "updatedAt" = ? WHERE "id" = ?`;

export async function setApprovalsRequired(exec: Exec, id: string, required: number, now: Date): Promise<void> {
  await asSql(exec).run(SET_REQUIRED, [required, now, id]);
}

const SET_TOKEN = `UPDATE "Action" SET "tokenJti" = ?, "tokenExpiresAt" = ?, "tokenSealed" = ?, "approvalValidUntil" = ?, "updatedAt" = ? WHERE "id" = ?`;

/** The approved action's token (sealed) and its approval window. */
export async function setActionToken(
  exec: Exec,
  id: string,
  t: Pick<Action, "tokenJti" | "tokenExpiresAt" | "tokenSealed"> & { approvalValidUntil: Date | null; now: Date },
): Promise<void> {
  await asSql(exec).run(SET_TOKEN, [t.tokenJti, t.tokenExpiresAt, t.tokenSealed, t.approvalValidUntil, t.now, id]);
}

const CREDENTIAL = `SELECT ${columnList(agentCredentialColumns)} FROM "AgentCredential" WHERE "id" = ?`;

export async function findAgentCredentialById(exec: Exec, id: string): Promise<AgentCredential | null> {
  const row = await asSql(exec).get<Row>(CREDENTIAL, [id]);
  return row ? decodeAgentCredential(row) : null;
}

const INSERT_CALLBACK = `INSERT INTO "WebhookDelivery" ("id", "kind", "credentialId", "actionId", "url", "event", "payload", "status", "attempts", "nextAttemptAt", "createdAt")
  VALUES (?, 'callback', ?, ?, ?, ?, ?, 'pending', 0, ?, ?)`;

/** Queue one callback delivery to an agent, due at once. */
export async function insertCallbackDelivery(
  exec: Exec,
  d: { id: string; credentialId: string; actionId: string; url: string; event: string; payload: string; now: Date },
): Promise<void> {
  await asSql(exec).run(INSERT_CALLBACK, [d.id, d.credentialId, d.actionId, d.url, d.event, d.payload, d.now, d.now]);
}

const GATE = `SELECT "toolKind", "approvalsRequired" FROM "Action" WHERE "id" = ?`;

/** What decides which vote path may be taken (step-up, token votes): the tool's kind and the approvals needed. */
export async function actionVoteGate(exec: Exec, id: string): Promise<{ toolKind: string; approvalsRequired: number } | null> {
  const r = await asSql(exec).get<{ toolKind: string; approvalsRequired: unknown }>(GATE, [id]);
  return r ? { toolKind: r.toolKind, approvalsRequired: Number(r.approvalsRequired) } : null;
}
