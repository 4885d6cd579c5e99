import "server-only";
import os from "node:os";
import crypto from "node:crypto";
import type { LookupFunction } from "node:net";
import { z } from "zod";
import type { RequestFilteringAgentOptions } from "request-filtering-agent";
import { db } from "@/lib/db/client";
import { sqlRead } from "@/lib/db/sql";
import { anyWebhookDeliveryDue } from "@/lib/db/tables/webhook-delivery";
import type { WebhookDelivery } from "@/lib/db/types";
import { appendAudit, type AuditInput } from "@/lib/audit/append";
import { unseal } from "@/lib/crypto/seal";
import { allowlistedAddresses, isHostAllowlisted } from "@/lib/webhooks/callback-url";
import { countWebhookDelivery } from "@/lib/metrics/record";
import { postSigned, type PostResult } from "@/lib/webhooks/post-signed";

/** Wait before retry n (after failed attempt n); after the last entry the delivery fails for good. */
export const DEFAULT_BACKOFF_MS: readonly number[] = [10_000, 30_000, 120_000, 600_000, 1_800_000, 7_200_000];

/** How long a claim holds; longer than the request timeout so a live worker never loses its claim. */
const CLAIM_MS = 60_000;

export type DeliverOptions = {
  /** The clock for due-ness, claims and scheduling (tests). */
  now?: Date;
  /** Who claims; distinct per process so instances never deliver the same attempt twice. */
  workerId?: string;
  /** Most deliveries to attempt in one call. */
  limit?: number;
  backoffMs?: readonly number[];
  timeoutMs?: number;
  /** DNS resolver override (tests); resolved addresses are still filtered. */
  lookup?: LookupFunction;
};

const stringList = z.array(z.string());
const defaultWorkerId = `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString("hex")}`;

type Target = {
  secret: string;
  filter: RequestFilteringAgentOptions;
  audit: Pick<AuditInput, "tenantId" | "env">;
};

type Outcome = { status: "delivered" | "gone" | "failed" | "pending"; nextAttemptAt?: Date };

function parseList(stored: string): string[] {
  try {
    const r = stringList.safeParse(JSON.parse(stored));
    return r.success ? r.data : [];
  } catch {
    return [];
  }
}

/** Load the secret and the connect-time filter, or say why this message can no longer be sent. */
async function resolveTarget(d: WebhookDelivery, url: URL): Promise<Target | { refused: string }> {
  if (d.kind === "callback" && d.credentialId) {
    const cred = await db().agentCredential.findUnique({ where: { id: d.credentialId } });
    if (!cred || cred.revokedAt) return { refused: "agent credential revoked" };
    const allowlist = parseList(cred.callbackAllowlist);
    // An allowlisted host name may resolve to any inside address; IP entries open exactly that address.
    const filter: RequestFilteringAgentOptions = isHostAllowlisted(url.hostname, allowlist)
      ? { allowPrivateIPAddress: true }
      : { allowIPAddressList: allowlistedAddresses(allowlist) };
    return { secret: unseal(cred.callbackSecret, `callback-secret:${cred.id}`), filter, audit: { tenantId: cred.tenantId, env: cred.env } };
  }
  if (d.kind === "webhook" && d.endpointId) {
    const ep = await db().webhookEndpoint.findUnique({ where: { id: d.endpointId } });
    if (!ep || !ep.enabled) return { refused: "webhook endpoint disabled or removed" };
    const filter: RequestFilteringAgentOptions = ep.allowPrivate ? { allowPrivateIPAddress: true, allowMetaIPAddress: true } : {};
    return { secret: unseal(ep.secretSealed, `webhook-secret:${ep.id}`), filter, audit: {} };
  }
  return { refused: `unknown delivery kind ${d.kind}` };
}

function decide(result: PostResult, attempts: number, backoff: readonly number[], now: Date): Outcome {
  const code = result.statusCode;
  if (code !== null && code >= 200 && code < 300) return { status: "delivered" };
  if (code === 410) return { status: "gone" };
  const wait = backoff[attempts - 1];
  if (wait === undefined) return { status: "failed" };
  return { status: "pending", nextAttemptAt: new Date(now.getTime() + wait) };
}

async function attemptOne(d: WebhookDelivery, workerId: string, opts: DeliverOptions): Promise<void> {
  let result: PostResult;
  let target: Target | { refused: string } | null = null;
  let final = false;
  let url: URL | null = null;
  try {
    url = new URL(d.url);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("unsupported URL scheme");
    target = await resolveTarget(d, url);
  } catch (err) {
    target = { refused: err instanceof Error ? err.message.slice(0, 300) : "cannot prepare delivery" };
  }
  if ("refused" in target) {
    result = { statusCode: null, error: target.refused, durationMs: 0 };
    final = true;
  } else {
    result = await postSigned({ url: url!, id: d.id, body: d.payload, secret: target.secret, filter: target.filter, timeoutMs: opts.timeoutMs, lookup: opts.lookup });
  }

  const attempts = d.attempts + 1;
  const now = opts.now ?? new Date();
  const outcome: Outcome = final ? { status: "failed" } : decide(result, attempts, opts.backoffMs ?? DEFAULT_BACKOFF_MS, now);
  const host = url?.host ?? null;
  const auditBase = "audit" in target ? target.audit : {};

  await db().$transaction(async (tx) => {
    await tx.webhookAttempt.create({ data: { deliveryId: d.id, statusCode: result.statusCode, error: result.error, durationMs: result.durationMs } });
    const updated = await tx.webhookDelivery.updateMany({
      where: { id: d.id, claimedBy: workerId },
      data: {
        attempts,
        status: outcome.status,
        lastStatusCode: result.statusCode,
        lastError: result.error,
        claimedBy: null,
        claimedUntil: null,
        ...(outcome.nextAttemptAt ? { nextAttemptAt: outcome.nextAttemptAt } : {}),
        ...(outcome.status === "delivered" ? { deliveredAt: now } : {}),
      },
    });
    if (updated.count !== 1) return;
    const data = { delivery_id: d.id, event: d.event, url_host: host, attempts, status_code: result.statusCode };
    if (d.kind === "callback" && outcome.status !== "pending") {
      await appendAudit(tx, {
        ...auditBase,
        type: outcome.status === "delivered" ? "callback.delivered" : "callback.failed",
        actorType: "system",
        actionId: d.actionId,
        status: outcome.status,
        reason: outcome.status === "delivered" ? null : result.error,
        data,
      });
    } else if (d.kind !== "callback" && (outcome.status === "failed" || outcome.status === "gone")) {
      await appendAudit(tx, {
        type: "webhook.failed",
        actorType: "system",
        status: outcome.status,
        reason: result.error,
        data: { ...data, endpoint_id: d.endpointId },
      });
    }
  });
  countWebhookDelivery(outcome.status === "pending" ? "retry_scheduled" : outcome.status);
}

/**
 * Send every due delivery this worker can claim; returns how many it attempted.
 * A claim is a conditional UPDATE that only one instance can win, so each
 * attempt happens once even with many workers. Outcomes: 2xx delivered,
 * 410 gone, anything else retried on the backoff schedule, then failed.
 */
export async function deliverDue(opts: DeliverOptions = {}): Promise<number> {
  const now = opts.now ?? new Date();
  const workerId = opts.workerId ?? defaultWorkerId;
  // Every second on every instance, usually nothing due: one raw read first, the ORM only when there is work.
  if (!(await sqlRead((sql) => anyWebhookDeliveryDue(sql, now)))) return 0;
  const candidates = await db().webhookDelivery.findMany({
    where: { status: "pending", nextAttemptAt: { lte: now }, OR: [{ claimedUntil: null }, { claimedUntil: { lt: now } }] },
    orderBy: { nextAttemptAt: "asc" },
    take: opts.limit ?? 20,
  });
  const mine: WebhookDelivery[] = [];
  for (const c of candidates) {
    // `attempts` pins the row version seen above: a row another worker already
    // tried and rescheduled in the meantime is not claimed again early.
    const claimed = await db().webhookDelivery.updateMany({
      where: {
        id: c.id,
        status: "pending",
        attempts: c.attempts,
        nextAttemptAt: { lte: now },
        OR: [{ claimedUntil: null }, { claimedUntil: { lt: now } }],
      },
      data: { claimedBy: workerId, claimedUntil: new Date(now.getTime() + CLAIM_MS) },
    });
    if (claimed.count === 1) mine.push(c);
  }
  await Promise.all(mine.map((d) => attemptOne(d, workerId, opts).catch((err) => console.error("webhook delivery failed to record", d.id, err))));
  return mine.length;
}

/**
 * Run deliverDue every `intervalMs` (default 1 s) in the background; a slow
 * round is never overlapped by the next. The timer does not keep the process
 * alive. Returns stop.
 */
export function startDeliveryWorker(opts: Omit<DeliverOptions, "now"> & { intervalMs?: number } = {}): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    deliverDue(opts)
      .catch((err) => console.error("webhook delivery round failed", err))
      .finally(() => (busy = false));
  }, opts.intervalMs ?? 1_000);
  timer.unref();
  return () => clearInterval(timer);
}
