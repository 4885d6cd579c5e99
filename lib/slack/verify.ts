import "server-only";
import crypto from "node:crypto";
import { db } from "@/lib/db/client";
import { isUniqueViolation } from "@/lib/db/errors";

/** Slack's replay window: a request whose timestamp is further than this from now is refused. */
export const SLACK_WINDOW_S = 300;

/** `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}` with the signing secret (Slack's "Verifying requests from Slack"). */
export function slackSignature(secret: string, timestamp: string, rawBody: string): string {
  return `v0=${crypto.createHmac("sha256", secret).update(`v0:${timestamp}:${rawBody}`).digest("hex")}`;
}

export type SlackVerdict = "ok" | "missing" | "stale" | "bad_signature";

/**
 * Check a request's signature (constant-time) and its timestamp against the
 * 5-minute window. The body must be the raw bytes as received. Pure apart
 * from the clock it is given.
 */
export function verifySlackRequest(secret: string | undefined, h: { timestamp: string | null; signature: string | null }, rawBody: string, nowMs: number): SlackVerdict {
  if (!secret || !h.timestamp || !h.signature) return "missing";
  if (!/^\d{1,12}$/.test(h.timestamp)) return "bad_signature";
  if (Math.abs(nowMs / 1000 - Number(h.timestamp)) > SLACK_WINDOW_S) return "stale";
  const want = Buffer.from(slackSignature(secret, h.timestamp, rawBody));
  const got = Buffer.from(h.signature);
  return got.length === want.length && crypto.timingSafeEqual(got, want) ? "ok" : "bad_signature";
}

/**
 * Remember an accepted signature; false when it was seen before (a replay,
 * refused even inside the window). Signatures older than twice the window
 * are dropped as they can no longer pass the timestamp check.
 */
export async function firstSighting(signature: string, now = new Date()): Promise<boolean> {
  await db().slackSeenRequest.deleteMany({ where: { seenAt: { lt: new Date(now.getTime() - 2 * SLACK_WINDOW_S * 1000) } } });
  try {
    await db().slackSeenRequest.create({ data: { signature, seenAt: now } });
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}
