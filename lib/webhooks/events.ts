/**
 * Events Gatehouse sends to console webhook endpoints. Agent callbacks use the
 * `action.*` family (including states console webhooks do not announce, such as
 * `action.cancelled` or `action.denied`).
 */
export const WEBHOOK_EVENT_TYPES = [
  "action.pending",
  "action.approved",
  "action.rejected",
  "action.expired",
  "action.escalated",
  "policy.changed",
  "kill_switch.changed",
  "break_glass.opened",
  "break_glass.closed",
  "breaker.opened",
  "breaker.reset",
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Sent only by "send test" to one endpoint; never subscribed to. */
export const TEST_EVENT_TYPE = "webhook.test";

/** Any event name a delivery may carry: a console event, a test, or an action state for a callback. */
export type DeliveryEventType = WebhookEventType | typeof TEST_EVENT_TYPE | `action.${string}`;

/** The JSON body of every webhook and callback (signed as-is). Never holds a token or secret. */
export type WebhookPayload = {
  type: DeliveryEventType;
  /** ISO 8601 time the event happened (enqueue time, not send time). */
  timestamp: string;
  data: Record<string, unknown>;
};

/** A wildcard subscription in WebhookEndpoint.events. */
export const ALL_EVENTS = "*";

/** True if `name` is a console event an endpoint may subscribe to. */
export function isWebhookEventType(name: string): name is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(name);
}
