import "server-only";
import crypto from "node:crypto";
import { db } from "@/lib/db/client";
import { appendAudit, type AuditInput } from "@/lib/audit/append";

/**
 * Flood control for the unauthenticated redeem endpoint, per instance (in
 * memory; N instances allow N times the budget, and a restart forgets it):
 *
 * - a source address may collect REFUSALS_PER_SOURCE refusals per window; past
 *   that every request from it is answered 429 until the window ends (a tool
 *   service that redeems real tokens is never slowed: successes do not count);
 * - one token (by the hash of its text) may be presented
 *   ATTEMPTS_PER_TOKEN times per window;
 * - refusals are audited in aggregate: the first of each kind (source + reason,
 *   plus the jti for a verified token) in a window gets its own row, at most
 *   MAX_FIRST_ROWS rows per window in all (so rotating source addresses cannot
 *   buy one row each); the rest are counted and appended as one
 *   `token.redeem_refused.summary` event when the window closes. Append-only:
 *   no row is ever updated.
 */
export const REDEEM_WINDOW_MS = 60_000;
export const REFUSALS_PER_SOURCE = 60;
export const ATTEMPTS_PER_TOKEN = 5;
export const MAX_FIRST_ROWS = 50;
/**
 * Distinct sources and tokens tracked per window. Beyond it new keys go
 * untracked (not limited) rather than share a bucket that would lock out every
 * legitimate redeem; the log stays bounded by MAX_FIRST_ROWS either way.
 */
const MAX_KEYS = 50_000;

type Window = {
  startedAt: number;
  refusalsBySource: Map<string, number>;
  attemptsByToken: Map<string, number>;
  firstRows: Set<string>;
  suppressed: Map<string, number>;
  suppressedTotal: number;
  sources: Set<string>;
};

let current: Window = newWindow(Date.now());
let flushTimer: NodeJS.Timeout | null = null;

function newWindow(now: number): Window {
  return { startedAt: now, refusalsBySource: new Map(), attemptsByToken: new Map(), firstRows: new Set(), suppressed: new Map(), suppressedTotal: 0, sources: new Set() };
}

/** The window in force now; an ended one is queued for its summary. */
function windowNow(): Window {
  const now = Date.now();
  if (now - current.startedAt >= REDEEM_WINDOW_MS) {
    const ended = current;
    current = newWindow(now);
    void writeSummary(ended, now).catch((err) => console.error("[redeem-guard] summary", err));
  }
  return current;
}

function bump(map: Map<string, number>, key: string): number {
  if (map.size >= MAX_KEYS && !map.has(key)) return 0;
  const n = (map.get(key) ?? 0) + 1;
  map.set(key, n);
  return n;
}

/**
 * The token's key for rate limiting: a hash of its exact text, not its
 * (unverified) jti, so garbage carrying someone else's jti cannot lock their
 * real token out.
 */
export function tokenKey(token: string): string {
  return crypto.createHash("sha256").update(token).digest("base64url").slice(0, 22);
}

/** Before any verification: null to go on, or the reason to answer 429. Counts the attempt. */
export function admitRedeem(source: string, token: string): "source_rate_limited" | "token_rate_limited" | null {
  const w = windowNow();
  if ((w.refusalsBySource.get(source) ?? 0) >= REFUSALS_PER_SOURCE) return "source_rate_limited";
  if (bump(w.attemptsByToken, tokenKey(token)) > ATTEMPTS_PER_TOKEN) return "token_rate_limited";
  return null;
}

/**
 * Count one refusal from `source`; append its audit row only if it is the
 * first of its kind in this window (and the window's row budget allows).
 */
export async function auditRefusal(source: string, kind: string, event: AuditInput): Promise<void> {
  const w = windowNow();
  bump(w.refusalsBySource, source);
  if (w.sources.size < MAX_KEYS) w.sources.add(source);
  const key = `${source}\u0000${kind}`;
  if (!w.firstRows.has(key) && w.firstRows.size < MAX_FIRST_ROWS) {
    w.firstRows.add(key);
    await db().$transaction((tx) => appendAudit(tx, { ...event, data: { ...event.data, source, first_of_kind_in_window_ms: REDEEM_WINDOW_MS } }));
    return;
  }
  w.suppressedTotal += 1;
  bump(w.suppressed, event.reason ?? "unknown");
  scheduleFlush();
}

/** A 429: counted in the window's summary, never a row of its own beyond the first per source. */
export async function auditRateLimited(source: string, reason: string): Promise<void> {
  await auditRefusal(source, reason, { type: "token.redeem_refused", actorType: "system", actorId: "tool-service", status: "rate_limited", reason, data: {} });
}

/** When the window with suppressed refusals ends, roll it (windowNow writes its summary) even if no request comes. */
function scheduleFlush(): void {
  if (flushTimer) return;
  const due = current.startedAt + REDEEM_WINDOW_MS - Date.now();
  flushTimer = setTimeout(
    () => {
      flushTimer = null;
      const before = current;
      windowNow();
      if (current === before && before.suppressedTotal > 0) scheduleFlush();
    },
    Math.max(0, due) + 50,
  );
  flushTimer.unref();
}

/** Close the current window now and append its summary (if anything was suppressed). Also used by tests. */
export async function flushRedeemRefusals(): Promise<void> {
  const ended = current;
  const now = Date.now();
  current = newWindow(now);
  await writeSummary(ended, now);
}

async function writeSummary(w: Window, endedAt: number): Promise<void> {
  if (w.suppressedTotal === 0) return;
  await db().$transaction((tx) =>
    appendAudit(tx, {
      type: "token.redeem_refused.summary",
      actorType: "system",
      actorId: "tool-service",
      status: "refused",
      reason: "aggregated",
      data: {
        count: w.suppressedTotal,
        window_start: new Date(w.startedAt).toISOString(),
        window_end: new Date(endedAt).toISOString(),
        kinds: Object.fromEntries(w.suppressed),
        sources: w.sources.size,
      },
    }),
  );
}
