import "server-only";
import pg from "pg";
import type { Worker } from "node:worker_threads";
import { pgNotify } from "@/lib/db/postgres/notify";
import { startWakeWorker, type WakeWorkerMessage } from "@/lib/db/postgres/wake-worker";
import { rowFromText } from "@/lib/db/postgres/pg-sql";
import { WOKEN_REREAD_PG, decodeWokenReread } from "@/lib/db/tables/action";
import { deliverRemoteActionChange, setRemoteNotifier, setWatchHooks, wakeAllWaiters, watchedActionIds } from "@/lib/events/action-events";

/**
 * Cross-instance long-poll wake-ups on PostgreSQL. Each process keeps ONE
 * dedicated connection that LISTENs on `gatehouse_action`; a change on any
 * instance sends `pg_notify('gatehouse_action', <action id>)` — the payload is
 * only the id, never action data — and every instance's waiters re-read the
 * action from the database. The LISTEN connection and the woken re-read live
 * on a worker thread of their own (lib/db/postgres/wake-worker.ts), so a
 * wake-up does not queue behind this instance's request work: the waiter gets
 * the notification and the row read after it in one turn of the event loop. A
 * dropped listener reconnects with backoff (a worker that dies is started
 * again); on reconnect every local waiter is woken once, because notifications
 * sent while we were away are lost and a re-read is cheap.
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
  worker: Worker | undefined;
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
    worker: undefined,
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
  setWatchHooks({
    watch: (id) => state.worker?.postMessage({ t: "watch", ids: [id] }),
    unwatch: (id) => state.worker?.postMessage({ t: "unwatch", id }),
  });
  startWorker(state);
  return () => stopPgNotify();
}

/** Stop listening, close both connections and remove the remote notifier. */
export async function stopPgNotify(): Promise<void> {
  const state = globalForNotify.gatehousePgNotify;
  if (!state || state.stopped) return;
  state.stopped = true;
  globalForNotify.gatehousePgNotify = undefined;
  setRemoteNotifier(undefined);
  setWatchHooks(undefined);
  clearTimeout(state.retryTimer);
  const worker = state.worker;
  state.worker = undefined;
  state.status.listening = false;
  await Promise.allSettled([stopWorker(worker), state.sender.end()]);
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

/** Ask the worker to close its connections and end; terminate it if it has not within 2 s. */
function stopWorker(worker: Worker | undefined): Promise<void> {
  if (!worker) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => void worker.terminate().finally(resolve), 2_000);
    worker.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    worker.postMessage({ t: "stop" });
  });
}

function startWorker(state: State): void {
  if (state.stopped) return;
  let worker: Worker;
  try {
    worker = startWakeWorker({ url: state.url, channel: ACTION_CHANNEL, reread: WOKEN_REREAD_PG, minBackoffMs: MIN_BACKOFF_MS, maxBackoffMs: MAX_BACKOFF_MS });
  } catch (err) {
    console.error(`pg-notify: wake worker did not start (${(err as Error).message}); retrying in ${state.backoffMs} ms`);
    scheduleRestart(state);
    return;
  }
  state.worker = worker;
  // The actions already waited on (a restarted worker starts with none).
  const ids = watchedActionIds();
  if (ids.length) worker.postMessage({ t: "watch", ids });
  let gone = false;
  const onGone = (why: string) => {
    if (gone) return;
    gone = true;
    if (state.worker === worker) {
      state.worker = undefined;
      state.status.listening = false;
      state.status.backendPid = undefined;
    }
    if (!state.stopped) {
      console.error(`pg-notify: wake worker ${why}; starting it again in ${state.backoffMs} ms`);
      scheduleRestart(state);
    }
  };
  worker.on("error", (err) => onGone(`failed: ${err.message}`));
  worker.on("exit", (code) => onGone(`exited with ${code}`));
  worker.on("message", (m: WakeWorkerMessage) => {
    if (state.worker !== worker) return;
    if (m.t === "n") {
      deliverRemoteActionChange(m.id, m.read ? decodeWokenReread(m.read.row ? rowFromText(m.read.fields, m.read.row) : null) : undefined);
    } else if (m.t === "up") {
      const reconnected = state.status.connects > 0;
      state.status = { listening: true, backendPid: m.pid, connects: state.status.connects + 1 };
      state.backoffMs = MIN_BACKOFF_MS;
      for (const w of state.waiters.splice(0)) w();
      // Anything sent while we were away is lost: let every local waiter re-read.
      if (reconnected) wakeAllWaiters();
    } else if (m.t === "down") {
      state.status.listening = false;
      state.status.backendPid = undefined;
      if (!state.stopped) console.error(`pg-notify: listener connection lost (${m.why})`);
    }
  });
}

function scheduleRestart(state: State): void {
  if (state.stopped || state.retryTimer) return;
  const delay = state.backoffMs;
  state.backoffMs = Math.min(state.backoffMs * 2, MAX_BACKOFF_MS);
  state.retryTimer = setTimeout(() => {
    state.retryTimer = undefined;
    startWorker(state);
  }, delay);
  state.retryTimer.unref();
}
