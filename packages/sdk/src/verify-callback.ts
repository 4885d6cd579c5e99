import { Webhook } from "standardwebhooks";

/** What Gatehouse POSTs to a callback_url or webhook endpoint. */
export type CallbackPayload = {
  type: string;
  timestamp: string;
  data: { action_id?: string; status?: string; reason?: string | null; href?: string } & Record<string, unknown>;
};

/**
 * Verify a Gatehouse callback (Standard Webhooks scheme) and return its payload.
 * Pass the raw request body exactly as received, the request headers, and the
 * secret ("whsec_…") returned when the credential was created. Throws if the
 * signature does not match or the timestamp is more than 5 minutes off.
 * The payload only says the action changed; fetch GET /api/v1/actions/{id} for
 * its state.
 */
export function verifyCallback(rawBody: string, headers: Record<string, string> | Headers, secret: string): CallbackPayload {
  const plain: Record<string, string> = {};
  if (typeof Headers !== "undefined" && headers instanceof Headers) {
    headers.forEach((value, key) => (plain[key.toLowerCase()] = value));
  } else {
    for (const [key, value] of Object.entries(headers as Record<string, string>)) plain[key.toLowerCase()] = value;
  }
  const payload = new Webhook(secret).verify(rawBody, plain) as CallbackPayload | undefined;
  if (!payload || typeof payload !== "object" || typeof payload.type !== "string") throw new Error("callback payload is not a Gatehouse event");
  return payload;
}
