import "server-only";
import type { Exec, IssuedToken, Row } from "@/lib/db/types";
import { asSql } from "@/lib/db/sql";
import { rowDecoder, type ColumnKinds } from "@/lib/db/tables/columns";

/** Every IssuedToken column and its kind; a schema column missing here fails typecheck. */
export const issuedTokenColumns = {
  jti: "string",
  kind: "string",
  tenantId: "string",
  env: "string",
  runId: "string",
  actionId: "string?",
  expiresAt: "date",
  issuedAt: "date",
  redeemedAt: "date?",
} as const satisfies ColumnKinds<IssuedToken>;

/** A raw IssuedToken row (provider-shaped values) as the ORM's IssuedToken. */
export const decodeIssuedToken: (row: Row) => IssuedToken = rowDecoder<IssuedToken>(issuedTokenColumns);

const INSERT = `INSERT INTO "IssuedToken" ("jti", "kind", "tenantId", "env", "runId", "actionId", "expiresAt", "issuedAt") VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;

/** The record of a freshly minted token (not yet redeemed). */
export function insertIssuedToken(exec: Exec, t: Omit<IssuedToken, "redeemedAt">): Promise<number> {
  return asSql(exec).run(INSERT, [t.jti, t.kind, t.tenantId, t.env, t.runId, t.actionId, t.expiresAt, t.issuedAt]);
}
