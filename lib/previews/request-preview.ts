import "server-only";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { z } from "zod";
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent, type RequestFilteringAgentOptions } from "request-filtering-agent";
import { db } from "@/lib/db/client";
import { sqlRead } from "@/lib/db/sql";
import { actionIdsWithPreviewDue } from "@/lib/db/tables/action";
import { appendAudit } from "@/lib/audit/append";
import { actionAuditFields } from "@/lib/actions/action-audit";
import { openCardCopy } from "@/lib/approvals/card-copy";
import { notifyActionChanged } from "@/lib/events/action-events";
import { newId } from "@/lib/crypto/new-id";
import { env } from "@/lib/env";
import { redact } from "@/lib/redact/redact";
import { argsHash } from "@/lib/sdk/args-hash";
import { PREVIEW_TOKEN_TTL_SECONDS, previewAudience, previewClaimsSchema } from "@/lib/sdk/token-claims";
import { signPreviewToken } from "@/lib/tokens/mint";
import { previewUrlIssue } from "@/lib/previews/preview-url";

/**
 * The trusted preview: for a pending action whose tool names a preview
 * endpoint, Gatehouse (never the agent's request: a background worker) POSTs
 * `{action_id, tool, tenant, env, args}` to the tool service with a preview
 * token of its own type (`gh-preview+jwt`, audience `<aud>/preview`, one
 * minute, bound to the tenant, environment, tool and the body's args) that no
 * verifier accepts for a tool call. The connection goes through the webhook
 * SSRF filter (private, loopback, link-local and metadata addresses refused at
 * connect time unless the admin allowed a private endpoint), redirects are not
 * followed, the time is bounded, the answer is `{before, after}` JSON of
 * bounded size, stored redacted and shown as the tool service's. The request
 * and its result are audited (`preview.requested`, `preview.answered`).
 */

const MAX_RESPONSE_BYTES = 64 * 1024;
const MAX_STORED_CHARS = 32 * 1024;
const MAX_ERROR_CHARS = 300;
/** A claim outlives the request by this much; a worker that died is replaced after it. */
const CLAIM_SLACK_MS = 10_000;

const answerSchema = z
  .object({ before: z.unknown().optional(), after: z.unknown().optional() })
  .refine((a) => a.before !== undefined || a.after !== undefined, "needs before or after");

export type PreviewOptions = { timeoutMs?: number; lookup?: LookupFunction; now?: Date };

/** What the tool service answered, or why there is no answer (not a refusal: the card shows it as a failed preview). */
type Answer = { answered: true; before: unknown; after: unknown; statusCode: number } | { answered: false; failure: string; statusCode: number | null };
type Outcome = Answer & { durationMs: number };

/** Ask the tool service for one action's preview, if it is due and this worker wins the claim. True when it was asked. */
export async function requestPreview(actionId: string, opts: PreviewOptions = {}): Promise<boolean> {
  const timeoutMs = opts.timeoutMs ?? env().GATEHOUSE_PREVIEW_TIMEOUT_MS;
  const now = opts.now ?? new Date();
  const claimed = await db().action.updateMany({
    where: { id: actionId, OR: [{ previewStatus: "pending" }, { previewStatus: "running", previewClaimedUntil: { lte: now } }] },
    data: { previewStatus: "running", previewClaimedUntil: new Date(now.getTime() + timeoutMs + CLAIM_SLACK_MS) },
  });
  if (claimed.count !== 1) return false;
  const action = await db().action.findUnique({ where: { id: actionId } });
  if (!action) return false;
  const tool = await db().tool.findUnique({ where: { name: action.tool } });
  const subject = actionAuditFields(action);

  // Not asked, and said why on the card: decided before the worker got to it (no one to show it to),
  // or the endpoint removed or no longer allowed since the proposal.
  const urlIssue = tool?.previewUrl ? previewUrlIssue(tool.previewUrl, tool.previewAllowPrivate) : null;
  const notAsked =
    action.status !== "pending"
      ? `Not asked: the action was ${action.status} first.`
      : !tool?.previewUrl
        ? "The tool no longer names a preview endpoint."
        : urlIssue
          ? `The preview endpoint is not allowed: it ${urlIssue}.`
          : null;
  if (notAsked !== null || !tool?.previewUrl) {
    await finish(action.id, subject, { answered: false, failure: notAsked ?? "The tool no longer names a preview endpoint.", durationMs: 0, statusCode: null }, null);
    return true;
  }
  const args = (action.argsCardSealed && openCardCopy(action.id, action.argsCardSealed)) || parseArgs(action.argsDisplay);

  const e = env();
  const jti = newId("pvw");
  const iat = Math.floor(Date.now() / 1000);
  const claims = previewClaimsSchema.parse({
    iss: e.GATEHOUSE_ISSUER,
    aud: previewAudience(e.GATEHOUSE_AUDIENCE),
    sub: "gatehouse",
    jti,
    iat,
    nbf: iat,
    exp: iat + PREVIEW_TOKEN_TTL_SECONDS,
    tenant: action.tenantId,
    env: action.env,
    route: action.routeName,
    run_id: action.runId,
    action_id: action.id,
    tool: action.tool,
    args_hash: argsHash(args),
    scope: "preview:read",
  });
  const url = new URL(tool.previewUrl);
  // The request is on record before the token leaves (the audit keeps the jti, never the token).
  await db().$transaction((tx) =>
    appendAudit(tx, {
      type: "preview.requested",
      actorType: "system",
      ...subject,
      jti,
      status: "running",
      data: { endpoint: `${url.origin}${url.pathname}`, allow_private: tool.previewAllowPrivate, timeout_ms: timeoutMs },
    }),
  );
  const token = await signPreviewToken(claims);
  const body = JSON.stringify({ action_id: action.id, tool: action.tool, tenant: action.tenantId, env: action.env, args });
  const filter: RequestFilteringAgentOptions = tool.previewAllowPrivate ? { allowPrivateIPAddress: true } : {};
  const outcome = await postForPreview({ url, token, body, filter, timeoutMs, lookup: opts.lookup });
  await finish(action.id, subject, outcome, jti);
  return true;
}

function parseArgs(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

async function finish(actionId: string, subject: ReturnType<typeof actionAuditFields>, o: Outcome, jti: string | null): Promise<void> {
  let result: string;
  let outcome = o;
  if (o.answered) {
    result = JSON.stringify(redact({ before: o.before, after: o.after }));
    if (result.length > MAX_STORED_CHARS) {
      outcome = { answered: false, failure: `The preview is larger than ${MAX_STORED_CHARS} characters.`, durationMs: o.durationMs, statusCode: o.statusCode };
      result = JSON.stringify({ error: outcome.failure });
    }
  } else {
    result = JSON.stringify({ error: o.failure });
  }
  const status = outcome.answered ? "ok" : "failed";
  const changed = await db().$transaction(async (tx) => {
    const r = await tx.action.updateMany({
      where: { id: actionId, previewStatus: "running" },
      data: { previewStatus: status, previewResult: result, previewAt: new Date(), previewClaimedUntil: null },
    });
    if (r.count !== 1) return false;
    await appendAudit(tx, {
      type: "preview.answered",
      actorType: "system",
      ...subject,
      jti,
      status,
      reason: outcome.answered ? null : outcome.failure,
      durationMs: outcome.durationMs,
      data: { status_code: outcome.statusCode },
    });
    return true;
  });
  if (changed) notifyActionChanged(actionId);
}

/** An error text fit for the card and the audit log: Gatehouse's words, no URL path or query, bounded. */
function describeError(err: unknown, url: URL): string {
  const raw = err instanceof Error ? err.message || err.name : String(err);
  const scrubbed = raw.split(url.href).join(url.host);
  const path = url.pathname;
  return (path.length > 1 ? scrubbed.split(path).join("") : scrubbed).slice(0, MAX_ERROR_CHARS);
}

/** POST once through the SSRF filter; read at most MAX_RESPONSE_BYTES of a JSON answer. Never throws. */
function postForPreview(p: { url: URL; token: string; body: string; filter: RequestFilteringAgentOptions; timeoutMs: number; lookup?: LookupFunction }): Promise<Outcome> {
  const started = Date.now();
  const secure = p.url.protocol === "https:";
  const agent = secure ? new RequestFilteringHttpsAgent({ ...p.filter, keepAlive: false }) : new RequestFilteringHttpAgent({ ...p.filter, keepAlive: false });
  const send = secure ? https.request : http.request;
  const headers = {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(p.body)),
    accept: "application/json",
    authorization: `Bearer ${p.token}`,
    "user-agent": "Gatehouse-Preview/1",
  };
  return new Promise<Outcome>((resolve) => {
    let settled = false;
    const done = (o: Answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      agent.destroy();
      resolve({ ...o, durationMs: Date.now() - started });
    };
    const req = send(p.url, { method: "POST", agent, headers, ...(p.lookup ? { lookup: p.lookup } : {}) }, (res) => {
      const code = res.statusCode ?? null;
      if (code !== 200) {
        res.destroy();
        return done({ answered: false, failure: `The tool service answered HTTP ${code ?? "?"}.`, statusCode: code });
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_RESPONSE_BYTES) {
          res.destroy();
          return done({ answered: false, failure: `The tool service's answer is larger than ${MAX_RESPONSE_BYTES} bytes.`, statusCode: code });
        }
        chunks.push(c);
      });
      res.on("error", (err) => done({ answered: false, failure: describeError(err, p.url), statusCode: code }));
      res.on("end", () => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          return done({ answered: false, failure: "The tool service's answer is not JSON.", statusCode: code });
        }
        const a = answerSchema.safeParse(parsed);
        if (!a.success) return done({ answered: false, failure: "The tool service's answer has neither `before` nor `after`.", statusCode: code });
        done({ answered: true, before: a.data.before ?? null, after: a.data.after ?? null, statusCode: code });
      });
    });
    const timer = setTimeout(() => req.destroy(new Error(`timed out after ${p.timeoutMs} ms`)), p.timeoutMs);
    req.on("error", (err) => done({ answered: false, failure: `The preview request failed: ${describeError(err, p.url)}`, statusCode: null }));
    req.end(p.body);
  });
}

/** Ask every due preview (a few at a time). Returns how many were asked. */
export async function requestDuePreviews(opts: PreviewOptions & { limit?: number; concurrency?: number } = {}): Promise<number> {
  const ids = await sqlRead((sql) => actionIdsWithPreviewDue(sql, opts.now ?? new Date(), opts.limit ?? 20));
  let n = 0;
  const queue = [...ids];
  const worker = async () => {
    for (let id = queue.shift(); id; id = queue.shift()) if (await requestPreview(id, opts)) n++;
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 4, queue.length) }, worker));
  return n;
}

const globalForPreviews = globalThis as unknown as { gatehousePreviewWake?: () => void };

/** The per-process preview worker: every second, and at once when woken after a proposal. */
export function startPreviewWorker(intervalMs = 1_000): () => void {
  let busy = false;
  let again = false;
  const tick = () => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    requestDuePreviews()
      .catch((err) => console.error("preview worker failed", err))
      .finally(() => {
        busy = false;
        if (again) {
          again = false;
          setImmediate(tick);
        }
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  globalForPreviews.gatehousePreviewWake = tick;
  return () => {
    clearInterval(timer);
    if (globalForPreviews.gatehousePreviewWake === tick) globalForPreviews.gatehousePreviewWake = undefined;
  };
}

/** After a proposal committed: ask its preview now rather than at the next tick (no-op without a worker). */
export function wakePreviewWorker(): void {
  const wake = globalForPreviews.gatehousePreviewWake;
  if (wake) setImmediate(wake);
}
