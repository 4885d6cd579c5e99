import "server-only";
import crypto from "node:crypto";

/**
 * Agent keys: `gh_<prefix>_<secret>`. The prefix finds the row; the secret is
 * 32 random bytes, so a SHA-256 digest is a safe hash at rest (a slow hash buys
 * nothing against 256 bits of entropy and would cost every request).
 */
export type NewKey = { key: string; prefix: string; hash: string };

export function generateAgentKey(): NewKey {
  const prefix = crypto.randomBytes(6).toString("hex");
  const secret = crypto.randomBytes(32).toString("base64url");
  const key = `gh_${prefix}_${secret}`;
  return { key, prefix, hash: hashAgentKey(key) };
}

export function hashAgentKey(key: string): string {
  return crypto.createHash("sha256").update(key).digest("hex");
}

/** Split a presented key; null when it is not shaped like one of ours. */
export function parseAgentKey(key: string): { prefix: string } | null {
  const m = /^gh_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$/.exec(key);
  return m ? { prefix: m[1]! } : null;
}

/** Constant-time comparison of a presented key against the stored hash. */
export function agentKeyMatches(key: string, storedHash: string): boolean {
  const a = Buffer.from(hashAgentKey(key), "hex");
  const b = Buffer.from(storedHash, "hex");
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** A Standard Webhooks secret for signing callbacks to this credential. */
export function generateCallbackSecret(): string {
  return `whsec_${crypto.randomBytes(32).toString("base64")}`;
}
