import "server-only";
import { sqlRead } from "@/lib/db/sql";
import { listStoppedLiveTokens } from "@/lib/db/tables/issued-token";

/** How often a verifier should ask; the SDK's default poll interval. */
export const REVOCATION_POLL_SECONDS = 2;
/** One feed read per instance per this many ms, however many tool services poll. */
const CACHE_MS = 1_000;
const MAX_ENTRIES = 20_000;

export type RevocationFeed = {
  /** Live, unredeemed tokens that a control stops now: jti, kind, expiry (epoch seconds), reason code. */
  revoked: { jti: string; kind: string; exp: number; reason: string }[];
  generated_at: string;
  poll_seconds: number;
  /** False when the list was cut at its limit: a verifier must then fail closed. */
  complete: boolean;
};

let cached: { at: number; feed: Promise<RevocationFeed> } | null = null;

/**
 * The revocation feed for offline verifiers: a snapshot (not a delta, so a
 * missed poll loses nothing) of every live token a control stops — computed
 * from the controls as they are now, in the same query the redeem check uses.
 * It lists only random jtis, never tenants, tools or credentials, so it is
 * public like the JWKS.
 */
export function revocationFeed(): Promise<RevocationFeed> {
  const now = Date.now();
  if (cached && now - cached.at < CACHE_MS) return cached.feed;
  const feed = sqlRead((sql) => listStoppedLiveTokens(sql, new Date(now), MAX_ENTRIES + 1)).then((rows) => ({
    revoked: rows.slice(0, MAX_ENTRIES).map((r) => ({ jti: r.jti, kind: r.kind, exp: Math.floor(r.expiresAt.getTime() / 1000), reason: r.reason })),
    generated_at: new Date(now).toISOString(),
    poll_seconds: REVOCATION_POLL_SECONDS,
    complete: rows.length <= MAX_ENTRIES,
  }));
  cached = { at: now, feed };
  feed.catch(() => {
    if (cached?.feed === feed) cached = null;
  });
  return feed;
}
