import "server-only";
import { db } from "@/lib/db/client";
import { lockKeysForTransaction } from "@/lib/db/postgres/advisory-lock";
import { env } from "@/lib/env";

/** Attempts allowed per key inside the window; the next one is refused unchecked. */
export const MAX_FAILURES = 5;
export const WINDOW_MS = 60_000;

/** The two keys a sign-in attempt counts against: the account, and account + address. */
export function failureKeys(email: string, ip: string): string[] {
  const account = email.trim().toLowerCase();
  return [`acct:${account}`, `acct-ip:${account}|${ip}`];
}

/**
 * Check the limit and count this attempt in one step, before the password is
 * looked at: false (refused, nothing counted) when the account (or account +
 * address) already has MAX_FAILURES attempts in the last minute; otherwise the
 * attempt is recorded as a failure and true returned — a correct password then
 * clears the counters (clearFailures). Checking and recording in separate
 * steps let concurrent guesses all pass the same check; here each attempt
 * holds the keys' lock (SQLite: one writer; PostgreSQL: a transaction-scoped
 * advisory lock per key, across every instance) from count to insert.
 */
export async function takeAttempt(email: string, ip: string, now = new Date()): Promise<boolean> {
  const keys = failureKeys(email, ip);
  const since = new Date(now.getTime() - WINDOW_MS);
  const allowed = await db().$transaction(async (tx) => {
    if (env().provider === "postgres") {
      await lockKeysForTransaction(tx, keys);
    }
    for (const key of keys) {
      if ((await tx.signInFailure.count({ where: { key, at: { gt: since } } })) >= MAX_FAILURES) return false;
    }
    await tx.signInFailure.createMany({ data: keys.map((key) => ({ key, at: now })) });
    return true;
  });
  // Opportunistic: about one attempt in twenty cleans up, so no job is needed.
  if (allowed && Math.random() < 0.05) {
    await db().signInFailure.deleteMany({ where: { at: { lt: since } } });
  }
  return allowed;
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
