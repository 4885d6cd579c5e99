import "server-only";
import { env } from "@/lib/env";
import type { SlackMessage } from "@/lib/slack/message";

const TIMEOUT_MS = 10_000;

/**
 * Send one message: `chat.postMessage` with the bot token (JSON, bearer), or
 * the incoming webhook. Throws on anything but Slack's success answer
 * (`{ok: true}` from the Web API, `ok` from a webhook) so the worker retries.
 * `link_names` off and `unfurl_*` off: agent text cannot ping or preview anything.
 */
export async function postSlackMessage(channel: string, message: SlackMessage): Promise<{ ts: string | null }> {
  const e = env();
  const body = { text: message.text, blocks: message.blocks, link_names: false, unfurl_links: false, unfurl_media: false };
  if (channel !== "webhook") {
    if (!e.GATEHOUSE_SLACK_BOT_TOKEN) throw new Error("Slack bot token not configured");
    const res = await fetch(`${e.GATEHOUSE_SLACK_API_URL.replace(/\/$/, "")}/chat.postMessage`, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8", authorization: `Bearer ${e.GATEHOUSE_SLACK_BOT_TOKEN}` },
      body: JSON.stringify({ channel, ...body }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: "error",
    });
    const answer = (await res.json().catch(() => null)) as { ok?: boolean; error?: string; ts?: string } | null;
    if (!res.ok || !answer?.ok) throw new Error(`Slack chat.postMessage failed: HTTP ${res.status} ${answer?.error ?? ""}`.trim());
    return { ts: answer.ts ?? null };
  }
  if (!e.GATEHOUSE_SLACK_WEBHOOK_URL) throw new Error("Slack webhook not configured");
  const res = await fetch(e.GATEHOUSE_SLACK_WEBHOOK_URL, {
    method: "POST",
    headers: { "content-type": "application/json; charset=utf-8" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(TIMEOUT_MS),
    redirect: "error",
  });
  const text = (await res.text().catch(() => "")).slice(0, 200);
  if (!res.ok || text.trim() !== "ok") throw new Error(`Slack webhook failed: HTTP ${res.status} ${text}`.trim());
  return { ts: null };
}
