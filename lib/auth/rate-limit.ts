import "server-only";
import { db } from "@/lib/db/client";

/** Failures allowed per key inside the window; the next attempt is refused unchecked. */
export const MAX_FAILURES = 5;
export const WINDOW_MS = 60_000;

/** The two keys a sign-in attempt counts against: the account, and account + address. */
export function failureKeys(email: string, ip: string): string[] {
  const account = email.trim().toLowerCase();
  return [`acct:${account}`, `acct-ip:${account}|${ip}`];
}

/**
 * True when the account (or account + address) already has MAX_FAILURES
 * failures in the last minute. Stored in the database, so every instance
 * sees the same count.
 */
export async function isRateLimited(email: string, ip: string, now = new Date()): Promise<boolean> {
  const since = new Date(now.getTime() - WINDOW_MS);
  for (const key of failureKeys(email, ip)) {
    const count = await db().signInFailure.count({ where: { key, at: { gt: since } } });
    if (count >= MAX_FAILURES) return true;
  }
  return false;
}

/** Record one failed attempt, and prune rows older than the window now and then. */
export async function recordFailure(email: string, ip: string, now = new Date()): Promise<void> {
  await db().signInFailure.createMany({ data: failureKeys(email, ip).map((key) => ({ key, at: now })) });
  // Opportunistic: about one failure in twenty cleans up, so no job is needed.
  if (Math.random() < 0.05) {
    await db().signInFailure.deleteMany({ where: { at: { lt: new Date(now.getTime() - WINDOW_MS) } } });
  }
}

/** A successful sign-in clears the account's counters. */
export async function clearFailures(email: string, ip: string): Promise<void> {
  await db().signInFailure.deleteMany({ where: { key: { in: failureKeys(email, ip) } } });
}

/** The client address: x-forwarded-for's first entry, else x-real-ip, else "unknown". */
export function clientIp(headers: Headers | Record<string, string | string[] | undefined>): string {
  const get = (name: string): string | undefined => {
    if (headers instanceof Headers) return headers.get(name) ?? undefined;
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const first = get("x-forwarded-for")?.split(",")[0]?.trim();
  return first || get("x-real-ip")?.trim() || "unknown";
}
