import "server-only";
import type { Sql } from "@/lib/db/types";

const NEWEST_ACTIVE = `SELECT "kid", "privateSealed" FROM "SigningKey" WHERE "status" = 'active' ORDER BY "createdAt" DESC, "kid" DESC LIMIT 1`;

/** The newest active key (two instances may both have created a first key: everyone picks the same one). */
export async function newestActiveSigningKey(sql: Sql): Promise<{ kid: string; privateSealed: string } | null> {
  return (await sql.get<{ kid: string; privateSealed: string }>(NEWEST_ACTIVE)) ?? null;
}

const INSERT = `INSERT INTO "SigningKey" ("kid", "alg", "publicJwk", "privateSealed", "status", "createdAt") VALUES (?, ?, ?, ?, ?, ?)`;

export function insertSigningKey(sql: Sql, k: { kid: string; alg: string; publicJwk: string; privateSealed: string; status: string; createdAt: Date }): Promise<number> {
  return sql.run(INSERT, [k.kid, k.alg, k.publicJwk, k.privateSealed, k.status, k.createdAt]);
}

const PUBLISHED = `SELECT "kid", "publicJwk" FROM "SigningKey"
  WHERE "status" = 'active' OR ("status" = 'retired' AND "retiredAt" > ?) ORDER BY "createdAt" DESC, "kid" DESC`;

/** The keys the JWKS publishes: active ones and those retired after `since`, newest first. */
export async function publishedSigningKeys(sql: Sql, since: Date): Promise<{ kid: string; publicJwk: string }[]> {
  return sql.all<{ kid: string; publicJwk: string }>(PUBLISHED, [since]);
}
