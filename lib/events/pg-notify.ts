import "server-only";
import pg from "pg";
import { pgBackendPid, pgListen, pgNotify } from "@/lib/db/postgres/notify";
import { deliverRemoteActionChange, setRemoteNotifier, wakeAllWaiters } from "@/lib/events/action-events";

/**
 * Cross-instance long-poll wake-ups on PostgreSQL. Each process keeps ONE
 * dedicated connection that LISTENs on `gatehouse_action`; a change on any
 * instance sends `pg_notify('gatehouse_action', <action id>)` — the payload is
 * only the id, never action data — and every instance's waiters re-read the
 * action from the database. A dropped listener reconnects with backoff; on
 * reconnect every local waiter is woken once, because notifications sent
 * while we were away are lost and a re-read is cheap.
 */
export const ACTION_CHANNEL = "gatehouse_action";

export type PgNotifyStatus = {
  /** True while the LISTEN connection is up. */
  listening: boolean;
  /** Backend pid of the LISTEN connection (tests terminate it to simulate a drop). */
  backendPid: number | undefined;
  /** How many times the listener has (re)connected. */
  connects: number;
};

type State = {
  url: string;
  stopped: boolean;
  listener: pg.Client | undefined;
  sender: pg.Pool;
  status: PgNotifyStatus;
  retryTimer: NodeJS.Timeout | undefined;
  backoffMs: number;
  /** Resolves when the listener is up (again). */
  waiters: (() => void)[];
};

const globalForNotify = globalThis as unknown as { gatehousePgNotify?: State };

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;

/**
 * Start the listener and install the remote notifier for this process. Safe
 * to call more than once (the first call wins); returns a stop function.
 */
export function startPgNotify(url: string): () => Promise<void> {
  const existing = globalForNotify.gatehousePgNotify;
  if (existing && !existing.stopped) return () => stopPgNotify();
  const state: State = {
    url,
    stopped: false,
    listener: undefined,
    // A small pool of its own, so a notify never waits behind Prisma's transactions.
    sender: new pg.Pool({ connectionString: url, max: 2, idleTimeoutMillis: 10_000 }),
    status: { listening: false, backendPid: undefined, connects: 0 },
    retryTimer: undefined,
    backoffMs: MIN_BACKOFF_MS,
    waiters: [],
  };
  state.sender.on("error", (err) => console.error("pg-notify: idle sender connection failed", err.message));
  globalForNotify.gatehousePgNotify = state;
  setRemoteNotifier((actionId) => sendNotify(state, actionId));
  void connect(state);
  return () => stopPgNotify();
}

/** Stop listening, close both connections and remove the remote notifier. */
export async function stopPgNotify(): Promise<void> {
  const state = globalForNotify.gatehousePgNotify;
  if (!state || state.stopped) return;
  state.stopped = true;
  globalForNotify.gatehousePgNotify = undefined;
  setRemoteNotifier(undefined);
  clearTimeout(state.retryTimer);
  const listener = state.listener;
  state.listener = undefined;
  state.status.listening = false;
  await Promise.allSettled([listener?.end(), state.sender.end()]);
}

/** The listener's state, for readiness checks and tests. */
export function pgNotifyStatus(): PgNotifyStatus | undefined {
  const s = globalForNotify.gatehousePgNotify;
  return s ? { ...s.status } : undefined;
}

/** Resolve once the listener is connected (tests; readiness). */
export function pgNotifyReady(timeoutMs = 10_000): Promise<void> {
  const s = globalForNotify.gatehousePgNotify;
  if (!s) return Promise.reject(new Error("pg-notify is not started"));
  if (s.status.listening) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("pg-notify listener did not connect in time")), timeoutMs);
    s.waiters.push(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function sendNotify(state: State, actionId: string): void {
  if (state.stopped) return;
  // Fire and forget: the caller has committed; a lost notify only delays a
  // remote waiter until its long-poll times out and the agent polls again.
  pgNotify(state.sender, ACTION_CHANNEL, actionId).catch((err: Error) => {
    if (!state.stopped) console.error(`pg-notify: notify for ${actionId} failed: ${err.message}`);
  });
}

async function connect(state: State): Promise<void> {
  if (state.stopped) return;
  const client = new pg.Client({ connectionString: state.url, keepAlive: true });
  let dropped = false;
  const onDrop = (why: string) => {
    if (dropped) return;
    dropped = true;
    if (state.listener === client) {
      state.listener = undefined;
      state.status.listening = false;
      state.status.backendPid = undefined;
    }
    client.removeAllListeners("notification");
    client.end().catch(() => undefined);
    if (!state.stopped) {
      console.error(`pg-notify: listener connection lost (${why}); reconnecting in ${state.backoffMs} ms`);
      scheduleReconnect(state);
    }
  };
  client.on("error", (err) => onDrop(err.message));
  client.on("end", () => onDrop("connection ended"));
  client.on("notification", (msg) => {
    if (msg.channel === ACTION_CHANNEL && msg.payload) deliverRemoteActionChange(msg.payload);
  });
  try {
    await client.connect();
    const pid = await pgBackendPid(client);
    await pgListen(client, ACTION_CHANNEL);
    if (state.stopped || dropped) {
      if (!dropped) await client.end().catch(() => undefined);
      return;
    }
    const reconnected = state.status.connects > 0;
    state.listener = client;
    state.status = { listening: true, backendPid: pid, connects: state.status.connects + 1 };
    state.backoffMs = MIN_BACKOFF_MS;
    for (const w of state.waiters.splice(0)) w();
    // Anything sent while we were away is lost: let every local waiter re-read.
    if (reconnected) wakeAllWaiters();
  } catch (err) {
    onDrop((err as Error).message);
  }
}

function scheduleReconnect(state: State): void {
  if (state.stopped || state.retryTimer) return;
  const delay = state.backoffMs;
  state.backoffMs = Math.min(state.backoffMs * 2, MAX_BACKOFF_MS);
  state.retryTimer = setTimeout(() => {
    state.retryTimer = undefined;
    void connect(state);
  }, delay);
  state.retryTimer.unref();
}
