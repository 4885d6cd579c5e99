import "server-only";
import type { Exec, Sql } from "@/lib/db/types";
import { asSql, readAhead } from "@/lib/db/sql";

const ENABLED_ENDPOINTS = `SELECT "id", "url", "events" FROM "WebhookEndpoint" WHERE "enabled" = ? ORDER BY "createdAt", "id"`;

export type WebhookEndpointRow = { id: string; url: string; events: string };

/** Every enabled webhook endpoint, oldest first; `events` is its stored JSON list. */
export function enabledWebhookEndpoints(exec: Exec): Promise<WebhookEndpointRow[]> {
  return asSql(exec).all<WebhookEndpointRow>(ENABLED_ENDPOINTS, [true]);
}

/** enabledWebhookEndpoints, read ahead: sent with the transaction's next statement (lib/db/sql.ts, readAhead). */
export function readEnabledWebhookEndpointsAhead(exec: Exec): () => Promise<WebhookEndpointRow[]> {
  return readAhead<WebhookEndpointRow>(exec, ENABLED_ENDPOINTS, [true]);
}

const INSERT_WEBHOOK = `INSERT INTO "WebhookDelivery" ("id", "kind", "endpointId", "url", "event", "payload", "status", "attempts", "nextAttemptAt", "createdAt")
  VALUES (?, 'webhook', ?, ?, ?, ?, 'pending', 0, ?, ?)`;

/** Queue one webhook delivery, due at once. */
export function insertWebhookDelivery(exec: Exec, d: { id: string; endpointId: string; url: string; event: string; payload: string; now: Date }): Promise<number> {
  return asSql(exec).run(INSERT_WEBHOOK, [d.id, d.endpointId, d.url, d.event, d.payload, d.now, d.now]);
}

const ANY_DUE = `SELECT 1 AS "due" FROM "WebhookDelivery" WHERE "status" = 'pending' AND "nextAttemptAt" <= ? LIMIT 1`;

/** Whether any pending delivery is due at `now`. */
export async function anyWebhookDeliveryDue(sql: Sql, now: Date): Promise<boolean> {
  return (await sql.get(ANY_DUE, [now])) !== undefined;
}
