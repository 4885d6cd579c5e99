import "server-only";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { Webhook } from "standardwebhooks";
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent, type RequestFilteringAgentOptions } from "request-filtering-agent";

export const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_ERROR_LENGTH = 300;

export type PostResult = { statusCode: number | null; error: string | null; durationMs: number };

export type SignedPost = {
  url: URL;
  /** The message id (webhook-id header); stable across retries so receivers can de-duplicate. */
  id: string;
  body: string;
  /** A Standard Webhooks secret ("whsec_…"). */
  secret: string;
  /** Which addresses the connection may reach, checked after DNS resolution. */
  filter: RequestFilteringAgentOptions;
  timeoutMs?: number;
  /** DNS resolver override; the address it yields is still filtered. Tests use it to simulate rebinding. */
  lookup?: LookupFunction;
};

/** An error text fit for the delivery log: no URL (its path or query may hold a secret), bounded length. */
function describeError(err: unknown, url: URL): string {
  const raw = err instanceof Error ? err.message || err.name : String(err);
  const pathAndQuery = url.pathname + url.search;
  const scrubbed = raw.split(url.href).join(url.host);
  return (pathAndQuery.length > 1 ? scrubbed.split(pathAndQuery).join("") : scrubbed).slice(0, MAX_ERROR_LENGTH);
}

/**
 * POST `body` once, signed with the Standard Webhooks scheme, through an agent
 * that refuses private, loopback, link-local and metadata addresses at connect
 * time (so a hostname that resolves inside is stopped too). Redirects are not
 * followed: a 3xx is just a status code. Never throws.
 */
export function postSigned(p: SignedPost): Promise<PostResult> {
  const started = Date.now();
  const sentAt = new Date();
  const headers = {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(p.body)),
    "user-agent": "Gatehouse-Webhooks/1",
    "webhook-id": p.id,
    "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
    "webhook-signature": new Webhook(p.secret).sign(p.id, sentAt, p.body),
  };
  const secure = p.url.protocol === "https:";
  const agent = secure ? new RequestFilteringHttpsAgent({ ...p.filter, keepAlive: false }) : new RequestFilteringHttpAgent({ ...p.filter, keepAlive: false });
  const send = secure ? https.request : http.request;

  return new Promise<PostResult>((resolve) => {
    let settled = false;
    const finish = (statusCode: number | null, error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      agent.destroy();
      resolve({ statusCode, error, durationMs: Date.now() - started });
    };
    const req = send(p.url, { method: "POST", agent, headers, ...(p.lookup ? { lookup: p.lookup } : {}) }, (res) => {
      const code = res.statusCode ?? null;
      // The body is not used; close instead of draining a possibly endless stream.
      res.destroy();
      finish(code, code !== null && code >= 200 && code < 300 ? null : `HTTP ${code ?? "?"}`);
    });
    const timeoutMs = p.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timer = setTimeout(() => req.destroy(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    req.on("error", (err) => finish(null, describeError(err, p.url)));
    req.end(p.body);
  });
}
