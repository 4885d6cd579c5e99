import { CapabilityError } from "./capability-error";

export type RevocationOptions = {
  /** Ask the feed again when the last answer is older than this (default 2 s). */
  pollSeconds?: number;
  /**
   * How long a verifier keeps accepting tokens on its last good answer while
   * the feed cannot be read (default 10 s). Past it every token is refused
   * with `revocations_unavailable`: fail closed.
   */
  maxStaleSeconds?: number;
};

type FeedBody = { revoked?: { jti?: unknown; reason?: unknown }[]; complete?: unknown };

export type RevocationCache = {
  /** Throws CapabilityError `revoked` or `revocations_unavailable`; resolves when the jti may be used. */
  check(jti: string, claims?: Record<string, unknown>): Promise<void>;
};

/**
 * The offline verifier's view of Gatehouse's revocation feed
 * (`GET /api/v1/tokens/revocations`, a snapshot of every live token a kill
 * switch, revoked credential, cancelled action, ended run or open breaker
 * stops). Read on demand: a check reuses an answer younger than `pollSeconds`,
 * else waits for a fresh one (one request in flight, shared), so a revocation
 * reaches the verifier within about `pollSeconds` plus the server's 1 s cache.
 * A failed read falls back to the last good answer for `maxStaleSeconds`, then
 * refuses; an incomplete answer counts as a failed read.
 */
export function createRevocationCache(url: URL, doFetch: typeof fetch, opts: RevocationOptions = {}): RevocationCache {
  const pollMs = (opts.pollSeconds ?? 2) * 1000;
  const staleMs = (opts.maxStaleSeconds ?? 10) * 1000;
  let revoked = new Map<string, string>();
  let goodAt = 0;
  let triedAt = 0;
  let inflight: Promise<void> | null = null;

  const read = async (): Promise<void> => {
    triedAt = Date.now();
    const res = await doFetch(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(Math.max(1000, Math.min(staleMs, 5000))) });
    if (!res.ok) throw new Error(`revocation feed answered ${res.status}`);
    const body = (await res.json()) as FeedBody;
    if (body.complete !== true || !Array.isArray(body.revoked)) throw new Error("revocation feed incomplete");
    const next = new Map<string, string>();
    for (const r of body.revoked) if (typeof r.jti === "string") next.set(r.jti, typeof r.reason === "string" ? r.reason : "revoked");
    revoked = next;
    goodAt = Date.now();
  };

  const fresh = async (): Promise<void> => {
    // A failed read is retried at most once a second, not by every check.
    if (Date.now() - goodAt < pollMs || (!inflight && Date.now() - triedAt < Math.min(pollMs, 1000))) return;
    inflight ??= read().finally(() => (inflight = null));
    try {
      await inflight;
    } catch {
      // judged below by the age of the last good answer
    }
  };

  return {
    async check(jti, claims) {
      await fresh();
      if (Date.now() - goodAt > staleMs) {
        throw new CapabilityError("revocations_unavailable", "Gatehouse's revocation feed cannot be read; refusing until it can.", claims);
      }
      const reason = revoked.get(jti);
      if (reason) throw new CapabilityError("revoked", `The token was revoked (${reason}).`, claims);
    },
  };
}
