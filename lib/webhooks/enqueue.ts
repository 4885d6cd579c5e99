import "server-only";
import { z } from "zod";
import type { Exec } from "@/lib/db/types";
import { insertCallbackDelivery } from "@/lib/db/tables/vote";
import { enabledWebhookEndpoints, insertWebhookDelivery, type WebhookEndpointRow } from "@/lib/db/tables/webhook-delivery";
import { newId } from "@/lib/crypto/new-id";
import { ALL_EVENTS, type DeliveryEventType, type WebhookPayload } from "@/lib/webhooks/events";

const eventsList = z.array(z.string());

/** Keys never sent out, whatever a caller passes: webhooks announce, they do not carry credentials. */
const SECRET_KEY = /(^|_)(token|secret|password)s?$/i;

function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([k]) => !SECRET_KEY.test(k))
        .map(([k, v]) => [k, withoutSecrets(v)]),
    );
  }
  return value;
}

/** Build the signed body: `{ type, timestamp, data }`. */
export function buildPayload(type: DeliveryEventType, data: Record<string, unknown>, at: Date = new Date()): string {
  const payload: WebhookPayload = { type, timestamp: at.toISOString(), data: withoutSecrets(data) as Record<string, unknown> };
  return JSON.stringify(payload);
}

/** The endpoint's subscriptions, or none if the stored JSON is unreadable. */
export function endpointEvents(stored: string): string[] {
  try {
    const parsed = eventsList.safeParse(JSON.parse(stored));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

/**
 * Queue `type` for every enabled endpoint subscribed to it (or to "*"), inside
 * the caller's transaction: a rolled-back decision sends nothing. Returns the
 * number of deliveries queued. `endpoints`: the enabled endpoints read ahead in the same transaction
 * (readEnabledWebhookEndpointsAhead), instead of reading them here.
 */
export async function enqueueWebhookEvent(
  exec: Exec,
  type: DeliveryEventType,
  data: Record<string, unknown>,
  endpointsAhead?: () => Promise<WebhookEndpointRow[]>,
): Promise<number> {
  const endpoints = await (endpointsAhead ? endpointsAhead() : enabledWebhookEndpoints(exec));
  const targets = endpoints.filter((e) => {
    const events = endpointEvents(e.events);
    return events.includes(type) || events.includes(ALL_EVENTS);
  });
  if (targets.length === 0) return 0;
  const payload = buildPayload(type, data);
  const now = new Date();
  for (const e of targets) {
    await insertWebhookDelivery(exec, { id: newId("whd"), endpointId: e.id, url: e.url, event: type, payload, now });
  }
  return targets.length;
}

/**
 * Queue one signed callback to an agent's callback_url, inside the caller's
 * transaction. The body only says the state changed (action_id, status,
 * reason) and where to fetch it; the agent reads the action, and any token,
 * with its own key from GET /api/v1/actions/{id}.
 */
export async function enqueueCallback(
  tx: Exec,
  a: { actionId: string; credentialId: string; callbackUrl: string },
  type: DeliveryEventType,
  data: Record<string, unknown>,
): Promise<string> {
  const payload = buildPayload(type, { ...data, action_id: a.actionId, href: `/api/v1/actions/${encodeURIComponent(a.actionId)}` });
  const id = newId("whd");
  await insertCallbackDelivery(tx, { id, credentialId: a.credentialId, actionId: a.actionId, url: a.callbackUrl, event: type, payload, now: new Date() });
  return id;
}
