import "server-only";
import type pg from "pg";

/** The statements of PostgreSQL's LISTEN/NOTIFY, for the cross-instance wake-ups (lib/events/pg-notify.ts). */

/** Send `payload` on `channel` (delivered to listeners when the sender's transaction commits; here, at once). */
export async function pgNotify(sender: pg.Pool | pg.Client, channel: string, payload: string): Promise<void> {
  await sender.query("SELECT pg_notify($1, $2)", [channel, payload]);
}

/** The server process id behind this connection. */
export async function pgBackendPid(client: pg.Client): Promise<number | undefined> {
  const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  return rows[0]?.pid;
}

/** Subscribe this connection to `channel` (an identifier, not user input). */
export async function pgListen(client: pg.Client, channel: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
  await client.query(`LISTEN ${channel}`);
}
