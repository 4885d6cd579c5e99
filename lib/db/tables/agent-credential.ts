import "server-only";
import type { AgentCredential, Row, Sql } from "@/lib/db/types";
import { columnList, rowDecoder, type ColumnKinds } from "@/lib/db/tables/columns";

/** Every AgentCredential column and its kind; a schema column missing here fails typecheck. */
export const agentCredentialColumns = {
  id: "string",
  name: "string",
  tenantId: "string",
  env: "string",
  routes: "string",
  keyPrefix: "string",
  keyHash: "string",
  callbackSecret: "string",
  callbackAllowlist: "string",
  createdById: "string?",
  createdAt: "date",
  lastUsedAt: "date?",
  revokedAt: "date?",
  rotatedFromId: "string?",
} as const satisfies ColumnKinds<AgentCredential>;

/** A raw AgentCredential row (provider-shaped values) as the ORM's AgentCredential. */
export const decodeAgentCredential: (row: Row) => AgentCredential = rowDecoder<AgentCredential>(agentCredentialColumns);

const BY_PREFIX = `SELECT ${columnList(agentCredentialColumns)} FROM "AgentCredential" WHERE "keyPrefix" = ?`;

/** The credential whose key starts with this prefix (revoked ones too: the caller decides). */
export async function findAgentCredentialByPrefix(sql: Sql, keyPrefix: string): Promise<AgentCredential | null> {
  const row = await sql.get(BY_PREFIX, [keyPrefix]);
  return row ? decodeAgentCredential(row) : null;
}

const TOUCH = `UPDATE "AgentCredential" SET "lastUsedAt" = ? WHERE "id" = ?`;

export function touchAgentCredential(sql: Sql, id: string, lastUsedAt: Date): Promise<number> {
  return sql.run(TOUCH, [lastUsedAt, id]);
}
