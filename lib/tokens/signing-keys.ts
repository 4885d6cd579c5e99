import "server-only";
import crypto from "node:crypto";
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JSONWebKeySet, type JWK } from "jose";
import { db, type Db, type Tx } from "@/lib/db/client";
import { seal, unseal } from "@/lib/crypto/seal";
import { env } from "@/lib/env";
import { appendAudit, type ActorType } from "@/lib/audit/append";
import { TOKEN_ALG } from "@gatehouse-dev/sdk";
import { asSql, sqlRead, sqlTransaction } from "@/lib/db/sql";
import type { Exec, Sql } from "@/lib/db/types";
import { insertSigningKey, newestActiveSigningKey, publishedSigningKeys } from "@/lib/db/tables/signing-key";

/** How long an instance keeps using its cached key before looking for a rotation elsewhere. */
const CACHE_MS = 30_000;
/**
 * A retired key stays published this long: longer than any token lifetime
 * (300 s) plus the cache window in which another instance may still sign with it.
 */
export const RETIRED_KEY_PUBLISHED_MS = 10 * 60_000;

export type ActiveSigningKey = { kid: string; privateKey: CryptoKey; keyObject: crypto.KeyObject };

type Client = Db | Tx;
type KeyRow = { kid: string; privateSealed: string };

const sealContext = (kid: string) => `signing-key:${kid}`;

const globalForKeys = globalThis as unknown as {
  gatehouseSigningKey?: { key: ActiveSigningKey; loadedAt: number; url: string };
};

/**
 * The key new tokens are signed with, creating the first one if there is none.
 * Pass the caller's transaction when inside one (on SQLite, `db()` inside a
 * transaction would wait for it). A key created inside a caller's transaction
 * is not cached, because that transaction may still roll back.
 */
export async function activeSigningKey(client: Client | Sql = db()): Promise<ActiveSigningKey> {
  const cached = globalForKeys.gatehouseSigningKey;
  const url = cacheScope();
  if (cached && cached.url === url && Date.now() - cached.loadedAt < CACHE_MS) return cached.key;

  let row = await newestActive(client);
  let created = false;
  if (!row) {
    row = await createKey(client);
    created = true;
  }
  const privateKey = await importPrivate(row);
  const key = { kid: row.kid, privateKey, keyObject: crypto.KeyObject.from(privateKey) };
  if (!created || client === db()) {
    globalForKeys.gatehouseSigningKey = { key, loadedAt: Date.now(), url };
  }
  return key;
}

/**
 * Make a new active key and retire every active one. Tokens signed with a
 * retired key keep verifying: the key stays in the JWKS for ten minutes.
 */
export async function rotateSigningKey(
  actor: { actorType: ActorType; actorId?: string | null; requestId?: string | null } = { actorType: "system", actorId: "keys:rotate" },
): Promise<{ kid: string; retired: string[] }> {
  const result = await db().$transaction(async (tx) => {
    const active = await tx.signingKey.findMany({ where: { status: "active" }, select: { kid: true } });
    await tx.signingKey.updateMany({ where: { status: "active" }, data: { status: "retired", retiredAt: new Date() } });
    const row = await createKey(tx);
    const retired = active.map((k) => k.kid);
    await appendAudit(tx, { ...actor, type: "signing_key.rotated", status: "ok", data: { kid: row.kid, retired } });
    return { kid: row.kid, retired };
  });
  globalForKeys.gatehouseSigningKey = undefined;
  return result;
}

/**
 * The public JWKS: the active key(s) and keys retired within the last ten
 * minutes. Only public members are copied, so a private `d` can never leak.
 */
export async function publicJwks(client: Client = db()): Promise<JSONWebKeySet> {
  const since = new Date(Date.now() - RETIRED_KEY_PUBLISHED_MS);
  // Raw SQL: every redemption reads it (the ORM's findMany costs ten times more).
  const rows = await publishedSigningKeys(sqlOf(client), since);
  return {
    keys: rows.map((r) => {
      const jwk = JSON.parse(r.publicJwk) as JWK;
      return { kty: "OKP", crv: "Ed25519", x: jwk.x, kid: r.kid, alg: TOKEN_ALG, use: "sig" };
    }),
  };
}

/** Forget the cached key (tests that switch databases). */
export function clearSigningKeyCache(): void {
  globalForKeys.gatehouseSigningKey = undefined;
}

/** If two instances created a first key at once, both are active; everyone picks the newest. */
async function newestActive(client: Client | Sql): Promise<KeyRow | null> {
  return newestActiveSigningKey(sqlOf(client));
}

/** Raw SQL over the ORM client outside a transaction, or over the caller's transaction. */
function sqlOf(client: Client | Sql): Sql {
  if (client === db())
    return {
      all: (t, p) => sqlRead((s) => s.all(t, p)),
      get: (t, p) => sqlRead((s) => s.get(t, p)),
      rows: (t, p) => sqlRead((s) => s.rows(t, p)),
      run: (t, p) => sqlTransaction((s) => s.run(t, p)),
    };
  return asSql(client as Exec);
}

/**
 * kids are 96 random bits, so concurrent creators never collide on the key:
 * each inserts its own active row and `newestActive` settles on one.
 */
async function createKey(client: Client | Sql): Promise<KeyRow> {
  const { privateKey, publicKey } = await generateKeyPair(TOKEN_ALG, { crv: "Ed25519", extractable: true });
  const kid = crypto.randomBytes(12).toString("base64url");
  const pub = await exportJWK(publicKey);
  const priv = await exportJWK(privateKey);
  const row = {
    kid,
    alg: TOKEN_ALG,
    publicJwk: JSON.stringify({ kty: pub.kty, crv: pub.crv, x: pub.x }),
    privateSealed: seal(JSON.stringify(priv), sealContext(kid)),
    status: "active",
  };
  await insertSigningKey(sqlOf(client), { ...row, createdAt: new Date() });
  return row;
}

async function importPrivate(row: KeyRow): Promise<CryptoKey> {
  const jwk = JSON.parse(unseal(row.privateSealed, sealContext(row.kid))) as JWK;
  const key = await importJWK(jwk, TOKEN_ALG);
  if (key instanceof Uint8Array) throw new Error("signing key is not an asymmetric key");
  return key;
}

/** The cache belongs to one database; tests open a new one per file. */
function cacheScope(): string {
  return env().databaseUrl;
}
