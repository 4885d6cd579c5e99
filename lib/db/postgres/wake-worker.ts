import "server-only";
import path from "node:path";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/**
 * The cross-instance wake-up's database side, on a thread of its own (lib/events/pg-notify.ts runs
 * it). Under load an instance's event loop has a queue: every ready socket's request work runs
 * before the next one is read, so a notification on the main thread waited one loop turn to be
 * read and a second for its re-read's answer (bench PG-R: 4 + 4 ms at the median, up to 30 + 34 ms).
 * Here a thread that does nothing else LISTENs on one connection and, for an action that has a
 * local waiter, runs the woken re-read (one named statement) on a second connection of its own at
 * once; the main thread gets the notification and the row together, in one turn.
 *
 * Messages to the worker: `{ t: "watch", ids }`, `{ t: "unwatch", id }`, `{ t: "stop" }`.
 * From it: `{ t: "up", pid }` (LISTEN is in place; pid of its backend), `{ t: "down", why }`,
 * `{ t: "n", id, read? }` (a notification; `read`: the re-read as text, or absent if the action was
 * not watched or the read failed — the waiter then reads it itself).
 */
export type WakeWorkerMessage =
  { t: "up"; pid: number | undefined } | { t: "down"; why: string } | { t: "n"; id: string; read?: { fields: [string, number][]; row: (string | null)[] | null } };

export type WakeWorkerOptions = { url: string; channel: string; reread: string; minBackoffMs: number; maxBackoffMs: number };

// CommonJS, run with `eval: true`: no bundler or TypeScript loader reaches a worker.
const SOURCE = `
const { parentPort, workerData: w } = require("node:worker_threads");
const pg = require(w.pgModule);
// Every value as text: the main thread decodes with the parsers all raw reads use.
const asText = { getTypeParser: () => (s) => s };
const watched = new Set();
let stopped = false;
let listener;
let wake;
let backoff = w.minBackoffMs;
let timer;

function wakeClient() {
  if (!wake) {
    const c = new pg.Client({ connectionString: w.url, keepAlive: true });
    const drop = () => { if (wake && wake.c === c) wake = undefined; c.end().catch(() => {}); };
    c.on("error", drop);
    c.on("end", drop);
    wake = { c, ready: c.connect().then(() => c, (err) => { drop(); throw err; }) };
  }
  return wake.ready;
}

async function reread(id) {
  const c = await wakeClient();
  try {
    const r = await c.query({ name: "gatehouse_woken_reread", text: w.reread, values: [id], types: asText, rowMode: "array" });
    return { fields: r.fields.map((f) => [f.name, f.dataTypeID]), row: r.rows[0] || null };
  } catch (err) {
    // A stale prepared statement (a migration changed the row's type) or a lost connection: start over next time.
    if (wake && wake.c === c) wake = undefined;
    c.end().catch(() => {});
    throw err;
  }
}

function connect() {
  if (stopped) return;
  const c = new pg.Client({ connectionString: w.url, keepAlive: true });
  let dropped = false;
  const onDrop = (why) => {
    if (dropped) return;
    dropped = true;
    if (listener === c) listener = undefined;
    c.removeAllListeners("notification");
    c.end().catch(() => {});
    if (stopped) return;
    parentPort.postMessage({ t: "down", why: why + "; reconnecting in " + backoff + " ms" });
    const delay = backoff;
    backoff = Math.min(backoff * 2, w.maxBackoffMs);
    timer = setTimeout(() => { timer = undefined; connect(); }, delay);
  };
  c.on("error", (err) => onDrop(err.message));
  c.on("end", () => onDrop("connection ended"));
  c.on("notification", (m) => {
    if (m.channel !== w.channel || !m.payload) return;
    const id = m.payload;
    if (!watched.has(id)) return parentPort.postMessage({ t: "n", id });
    reread(id).then(
      (read) => parentPort.postMessage({ t: "n", id, read }),
      () => parentPort.postMessage({ t: "n", id }),
    );
  });
  c.connect()
    .then(() => c.query("SELECT pg_backend_pid() AS pid"))
    .then(async (r) => {
      await c.query("LISTEN " + w.channel);
      if (stopped || dropped) { if (!dropped) c.end().catch(() => {}); return; }
      listener = c;
      backoff = w.minBackoffMs;
      parentPort.postMessage({ t: "up", pid: r.rows[0] && r.rows[0].pid });
    })
    .catch((err) => onDrop(err.message));
}

parentPort.on("message", (m) => {
  if (m.t === "watch") for (const id of m.ids) watched.add(id);
  else if (m.t === "unwatch") watched.delete(m.id);
  else if (m.t === "stop") {
    stopped = true;
    clearTimeout(timer);
    const ends = [listener, wake && wake.c].filter(Boolean).map((c) => c.end().catch(() => {}));
    Promise.allSettled(ends).then(() => parentPort.close());
  }
});
connect();
`;

function pgModule(): string {
  for (const from of [path.join(process.cwd(), "package.json"), import.meta.url]) {
    try {
      return createRequire(from).resolve("pg");
    } catch {
      // try the next place
    }
  }
  throw new Error("the pg module cannot be found for the wake worker");
}

/** Start the worker; the caller handles its messages, errors and exit. */
export function startWakeWorker(o: WakeWorkerOptions): Worker {
  if (!/^[a-z_][a-z0-9_]*$/.test(o.channel)) throw new Error(`not a channel name: ${o.channel}`);
  const worker = new Worker(SOURCE, {
    eval: true,
    workerData: { ...o, pgModule: pgModule() },
    resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
  });
  worker.unref();
  return worker;
}
