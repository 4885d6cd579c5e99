import "server-only";
import type pg from "pg";

/** The statements of PostgreSQL's LISTEN/NOTIFY, for the cross-instance wake-ups (lib/events/pg-notify.ts); LISTEN is on the wake worker (wake-worker.ts). */

/** Send `payload` on `channel` (delivered to listeners when the sender's transaction commits; here, at once). */
export async function pgNotify(sender: pg.Pool | pg.Client, channel: string, payload: string): Promise<void> {
  await sender.query("SELECT pg_notify($1, $2)", [channel, payload]);
}
