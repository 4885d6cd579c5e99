import "server-only";
import type { Action, Exec, Row, Sql } from "@/lib/db/types";
import { asSql, readAhead, runDeferrable } from "@/lib/db/sql";
import { asNumber } from "@/lib/db/decode";
import { columnList, rowDecoder, type ColumnKinds } from "@/lib/db/tables/columns";
import { toPgPlaceholders } from "@/lib/db/postgres/pg-sql";
import { COUNTED_APPROVAL_SQL } from "@/lib/actions/counting-votes";

/** Every Action column and its kind; a schema column missing here fails typecheck. */
export const actionColumns = {
  id: "string",
  runId: "string",
  credentialId: "string",
  tenantId: "string",
  env: "string",
  routeId: "string",
  routeName: "string",
  policyVersion: "int",
  tool: "string",
  toolKind: "string",
  argsHash: "string",
  argsDisplay: "string",
  summary: "string",
  idempotencyKey: "string",
  reason: "string?",
  previewDisplay: "string?",
  callbackUrl: "string?",
  onBehalfOf: "string?",
  costMicros: "int",
  status: "string",
  decisionReason: "string",
  approvalsRequired: "int",
  expiresAt: "date?",
  decidedAt: "date?",
  rejectReason: "string?",
  tokenJti: "string?",
  tokenExpiresAt: "date?",
  approvalValidUntil: "date?",
  tokenSealed: "string?",
  redeemedAt: "date?",
  resultStatus: "string?",
  resultDurationMs: "int?",
  resultError: "string?",
  resultAt: "date?",
  breakGlassSessionId: "string?",
  escalatedAt: "date?",
  ttlExtendedAt: "date?",
  argsCardSealed: "string?",
  cardReducedAt: "date?",
  previewStatus: "string?",
  previewResult: "string?",
  previewAt: "date?",
  previewClaimedUntil: "date?",
  createdAt: "date",
  updatedAt: "date",
  fastVote: "bool",
} as const satisfies ColumnKinds<Action>;

/** A raw Action row (provider-shaped values) as the ORM's Action. */
export const decodeAction: (row: Row) => Action = rowDecoder<Action>(actionColumns);

const COLUMNS = Object.keys(actionColumns) as (keyof Action)[];

const INSERT = `INSERT INTO "Action" (${columnList(actionColumns)}) VALUES (${COLUMNS.map(() => "?").join(", ")})`;

/** Insert one complete Action row. */
export function insertAction(exec: Exec, a: Action): Promise<void> {
  // Nothing in the proposing transaction reads the row back: on PostgreSQL it rides with the audit append.
  return runDeferrable(
    exec,
    INSERT,
    COLUMNS.map((c) => a[c]),
  );
}

export type ActionWithApprovals = {
  action: Action;
  approvals: number;
  /** loadActionWithApprovals only: the sealed edited args (ActionEdit), null when the args were never edited. */
  editedArgsSealed?: string | null;
};

const WITH_APPROVALS = `SELECT ${columnList(actionColumns, "a")},
  (SELECT COUNT(*) FROM "Approval" p WHERE p."actionId" = a."id" AND ${COUNTED_APPROVAL_SQL}) AS "approvalsReceived"
  FROM "Action" a`;
// With the edit, so a poll is one statement (it was a second, ORM, query on the write pool).
const WITH_APPROVALS_AND_EDIT = `SELECT ${columnList(actionColumns, "a")},
  (SELECT COUNT(*) FROM "Approval" p WHERE p."actionId" = a."id" AND ${COUNTED_APPROVAL_SQL}) AS "approvalsReceived",
  (SELECT e."editedArgsSealed" FROM "ActionEdit" e WHERE e."actionId" = a."id") AS "editedArgsSealed"
  FROM "Action" a`;
const BY_ID_IN_SCOPE = `${WITH_APPROVALS_AND_EDIT} WHERE a."id" = ? AND a."tenantId" = ? AND a."env" = ?`;

/**
 * The woken long-poll's re-read on PostgreSQL, run by the wake worker (lib/events/pg-notify.ts) as
 * soon as a change arrives, before the waiter's thread is free: the same row as
 * loadActionWithApprovals, by id alone — the waiter checks the tenant and environment itself
 * (getAction), so another scope's id still reads as missing. One parameter, the action id.
 */
export const WOKEN_REREAD_PG = toPgPlaceholders(`${WITH_APPROVALS_AND_EDIT} WHERE a."id" = ?`);

/** A WOKEN_REREAD_PG row (null: no such action) as loadActionWithApprovals returns it. */
export function decodeWokenReread(row: Row | null): ActionWithApprovals | null {
  const found = withApprovals(row ?? undefined);
  return found && { ...found, editedArgsSealed: (row!.editedArgsSealed as string | null | undefined) ?? null };
}
const BY_IDEMPOTENCY_KEY = `${WITH_APPROVALS} WHERE a."credentialId" = ? AND a."tool" = ? AND a."idempotencyKey" = ?`;

function withApprovals(row: (Row & { approvalsReceived?: unknown }) | undefined): ActionWithApprovals | null {
  if (!row) return null;
  return { action: decodeAction(row), approvals: asNumber(row.approvalsReceived) };
}

/** One action of this tenant and environment with its count of approvals that count (lib/actions/counting-votes.ts) and its edit, in one statement; null for another scope's id. */
export async function loadActionWithApprovals(sql: Sql, key: { id: string; tenantId: string; env: string }): Promise<ActionWithApprovals | null> {
  const row = await sql.get<Row & { approvalsReceived?: unknown; editedArgsSealed?: string | null }>(BY_ID_IN_SCOPE, [key.id, key.tenantId, key.env]);
  const found = withApprovals(row);
  return found && { ...found, editedArgsSealed: row!.editedArgsSealed ?? null };
}

/** The action a credential already proposed for this tool with this idempotency key, with its approve-vote count. */
export async function findActionByIdempotencyKey(sql: Sql, key: { credentialId: string; tool: string; idempotencyKey: string }): Promise<ActionWithApprovals | null> {
  return withApprovals(await sql.get(BY_IDEMPOTENCY_KEY, [key.credentialId, key.tool, key.idempotencyKey]));
}

/** findActionByIdempotencyKey, read ahead: sent with the transaction's next statement (lib/db/sql.ts, readAhead). */
export function readActionByIdempotencyKeyAhead(exec: Exec, key: { credentialId: string; tool: string; idempotencyKey: string }): () => Promise<ActionWithApprovals | null> {
  const rows = readAhead<Row>(exec, BY_IDEMPOTENCY_KEY, [key.credentialId, key.tool, key.idempotencyKey]);
  return async () => withApprovals((await rows())[0]);
}

const TOUCH = `UPDATE "Action" SET "updatedAt" = ? WHERE "id" = ?`;

/**
 * Set `updatedAt`, which takes the row's lock on Postgres: concurrent votes in
 * ORM transactions then see each other's approvals instead of only their own.
 */
export function lockActionRow(exec: Exec, id: string, now: Date): Promise<number> {
  return asSql(exec).run(TOUCH, [now, id]);
}

const EXPIRY_DUE = `SELECT "id" FROM "Action" WHERE "status" = 'pending' AND "expiresAt" <= ? ORDER BY "expiresAt" LIMIT ?`;

/** Ids of pending actions past their TTL, oldest expiry first (the (status, expiresAt) index). */
export async function pendingActionIdsExpiredBy(sql: Sql, now: Date, limit: number): Promise<string[]> {
  return (await sql.all<{ id: string }>(EXPIRY_DUE, [now, limit])).map((r) => r.id);
}

const PREVIEW_DUE = `SELECT "id" FROM "Action" WHERE ("previewStatus" = 'pending') OR ("previewStatus" = 'running' AND "previewClaimedUntil" <= ?)
  ORDER BY "createdAt" LIMIT ?`;

/** Ids of actions whose tool-service preview is to be asked: never claimed, or a claim that lapsed (a worker died). */
export async function actionIdsWithPreviewDue(sql: Sql, now: Date, limit: number): Promise<string[]> {
  return (await sql.all<{ id: string }>(PREVIEW_DUE, [now, limit])).map((r) => r.id);
}

// finalStateAt (lib/approvals/reduce-card-copies.ts) at or before the cutoff, in SQL, the same on both providers: the
// result; else for an approved or allowed call its redemption, else the latest of its window's end, its token's expiry and
// its decision (each set one at or before the cutoff), else updatedAt; else the decision, else updatedAt.
const CARD_COPY_DUE = `SELECT "id" FROM "Action" WHERE "cardReducedAt" IS NULL AND "status" <> 'pending' AND "createdAt" <= ?
  AND (("resultAt" IS NOT NULL AND "resultAt" <= ?)
    OR ("resultAt" IS NULL AND "status" IN ('approved', 'allowed') AND (
      ("redeemedAt" IS NOT NULL AND "redeemedAt" <= ?)
      OR ("redeemedAt" IS NULL
        AND ("approvalValidUntil" IS NULL OR "approvalValidUntil" <= ?) AND ("tokenExpiresAt" IS NULL OR "tokenExpiresAt" <= ?)
        AND ("decidedAt" IS NULL OR "decidedAt" <= ?)
        AND ("approvalValidUntil" IS NOT NULL OR "tokenExpiresAt" IS NOT NULL OR "decidedAt" IS NOT NULL OR "updatedAt" <= ?))))
    OR ("resultAt" IS NULL AND "status" NOT IN ('approved', 'allowed') AND COALESCE("decidedAt", "updatedAt") <= ?))
  ORDER BY "createdAt" LIMIT ?`;

/**
 * Ids of decided actions whose card copy is not reduced yet and whose final state is at or before `cutoff` (the
 * (cardReducedAt, createdAt) index): only due ones, so a crowd of old actions that finished late never holds up the rest.
 */
export async function actionIdsWithCardCopy(sql: Sql, cutoff: Date, limit: number): Promise<string[]> {
  return (await sql.all<{ id: string }>(CARD_COPY_DUE, [...Array<Date>(8).fill(cutoff), limit])).map((r) => r.id);
}

const ESCALATION_DUE = `SELECT 1 AS "due" FROM "Action" WHERE "status" = 'pending' AND "escalatedAt" IS NULL AND "createdAt" <= ? LIMIT 1`;

/** Whether any pending, unescalated action was created at or before `cutoff`. */
export async function anyActionDueForEscalation(sql: Sql, cutoff: Date): Promise<boolean> {
  return (await sql.get(ESCALATION_DUE, [cutoff])) !== undefined;
}

const REPLACE_TOKEN = `UPDATE "Action" SET "tokenJti" = ?, "tokenExpiresAt" = ?, "tokenSealed" = ?, "updatedAt" = ?
  WHERE "id" = ? AND "tokenJti" = ? AND "redeemedAt" IS NULL`;

/**
 * Put a re-minted token on its action, only if the action still carries the
 * token it replaces, unredeemed: of concurrent re-mints exactly one lands.
 */
export function replaceActionToken(exec: Exec, id: string, previousJti: string, t: Pick<Action, "tokenJti" | "tokenExpiresAt" | "tokenSealed">, now: Date): Promise<number> {
  return asSql(exec).run(REPLACE_TOKEN, [t.tokenJti, t.tokenExpiresAt, t.tokenSealed, now, id, previousJti]);
}

const BY_ID = `SELECT ${columnList(actionColumns)} FROM "Action" WHERE "id" = ?`;

export async function findActionById(exec: Exec, id: string): Promise<Action | null> {
  const row = await asSql(exec).get(BY_ID, [id]);
  return row ? decodeAction(row) : null;
}

const MARK_REDEEMED = `UPDATE "Action" SET "redeemedAt" = ?, "tokenSealed" = NULL, "updatedAt" = ?
  WHERE "id" = ? AND "tenantId" = ? AND "env" = ? AND "tool" = ? AND "argsHash" = ? AND "redeemedAt" IS NULL AND "status" IN ('allowed', 'approved')`;

/** One redemption per action: the conditional UPDATE that marks it redeemed (and drops its sealed token); true if it did. */
export async function markActionRedeemed(exec: Exec, a: { id: string; tenantId: string; env: string; tool: string; argsHash: string; now: Date }): Promise<boolean> {
  return (await asSql(exec).run(MARK_REDEEMED, [a.now, a.now, a.id, a.tenantId, a.env, a.tool, a.argsHash])) === 1;
}

const SET_RESULT = `UPDATE "Action" SET "resultStatus" = ?, "resultDurationMs" = ?, "resultError" = ?, "resultAt" = ?, "updatedAt" = ?
  WHERE "id" = ? AND "resultStatus" IS NULL`;

/** Record the tool call's result once: true if this call recorded it. */
export async function setActionResult(exec: Exec, r: { id: string; status: string; durationMs: number; error: string | null; now: Date }): Promise<boolean> {
  return (await asSql(exec).run(SET_RESULT, [r.status, r.durationMs, r.error, r.now, r.now, r.id])) === 1;
}
