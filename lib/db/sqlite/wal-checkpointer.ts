import "server-only";
import path from "node:path";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type BetterSqlite3 from "better-sqlite3";
import type { Lock } from "@/lib/db/sqlite/serialized-sqlite";

/**
 * WAL checkpoints off the event loop.
 *
 * SQLite's own checkpoint runs inside the COMMIT that crosses 1,000 WAL
 * frames: it copies those pages into the database file and fsyncs it, on
 * the thread that serves every agent request. Under the P2 load that was
 * one COMMIT in ~75 taking 15–22 ms instead of ~1 ms, with the whole server
 * stopped meanwhile. Here a worker thread with its own connection copies the
 * pages (PASSIVE: it never blocks the writer) and the writer no longer
 * checkpoints.
 *
 * A passive checkpoint under steady writes never catches up with the end of
 * the log, and SQLite rewinds the log only when a write transaction begins
 * on a fully copied one. So once the log passes `resetFrames`, one short
 * checkpoint runs while this process's write lock is held: it copies only
 * what was appended since the last pass, and the next transaction starts
 * the log again from the beginning. That pass runs on this thread, under the
 * lock; a bulk pass in the worker has just copied nearly everything before it.
 *
 * Fails safe: until the worker has opened the database the writer keeps
 * SQLite's automatic checkpoint, and if the worker fails or stops answering
 * the writer gets it back.
 */
export type WalCheckpointer = {
  /** Resolves once the worker has the database open and the writer stopped checkpointing (false: fell back). */
  ready: Promise<boolean>;
  stop(): Promise<void>;
};

export type WalCheckpointerOptions = {
  /** Log size (frames) at which the writer's lock is taken for a final pass. */
  resetFrames?: number;
  /** How often the worker copies pages. */
  intervalMs?: number;
  /** How long a pass may take before the worker is given up on (the write lock is never held longer). */
  timeoutMs?: number;
  /** better-sqlite3's entry file for the worker; found from the working directory or this module by default. */
  sqliteModule?: string;
};

/** SQLite's default `wal_autocheckpoint`, restored when the worker is given up on. */
const SQLITE_AUTOCHECKPOINT = 1000;

type PassResult = { busy: number; log: number; checkpointed: number };

// CommonJS, run with `eval: true`: no bundler or TypeScript loader reaches a worker.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.sqliteModule);
const db = new Database(workerData.file, { timeout: 5000, fileMustExist: true });
parentPort.on("message", (id) => {
  try {
    const [r] = db.pragma("wal_checkpoint(PASSIVE)");
    parentPort.postMessage({ id, busy: r.busy, log: r.log, checkpointed: r.checkpointed });
  } catch (err) {
    parentPort.postMessage({ id, error: String((err && err.message) || err) });
  }
});
parentPort.postMessage({ id: 0 });
`;

function findSqliteModule(): string | undefined {
  for (const from of [path.join(process.cwd(), "package.json"), import.meta.url]) {
    try {
      return createRequire(from).resolve("better-sqlite3");
    } catch {
      // try the next place
    }
  }
  return undefined;
}

export function startWalCheckpointer(conn: BetterSqlite3.Database, lock: Lock, options: WalCheckpointerOptions = {}): WalCheckpointer {
  // 8,000 frames is ~31 MiB of log at 4 KiB pages: under the P2 load a reset every ~2 s.
  const resetFrames = options.resetFrames ?? 8_000;
  const intervalMs = options.intervalMs ?? 200;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const sqliteModule = options.sqliteModule ?? findSqliteModule();
  const file = conn.name;
  if (!sqliteModule || conn.memory || !file) return { ready: Promise.resolve(false), stop: async () => {} };

  let worker: Worker | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let nextId = 1;
  let pending: { id: number; resolve: (r: PassResult) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | undefined;
  let markReady!: (ok: boolean) => void;
  const ready = new Promise<boolean>((r) => (markReady = r));

  /** Give the checkpoint back to the writer: after this, SQLite behaves as if this module did not exist. */
  const fallBack = (why: string) => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    pending?.reject(new Error(why));
    if (conn.open) conn.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT}`);
    void worker?.terminate();
    console.error(`database: WAL checkpoints back on the writer (${why})`);
    markReady(false);
  };

  const pass = () =>
    new Promise<PassResult>((resolve, reject) => {
      const id = nextId++;
      const t = setTimeout(() => fallBack(`checkpoint worker did not answer within ${timeoutMs} ms`), timeoutMs);
      pending = { id, resolve, reject, timer: t };
      worker!.postMessage(id);
    });

  let busy = false;
  const tick = async () => {
    if (busy || stopped) return;
    busy = true;
    try {
      const r = await pass();
      if (r.log >= resetFrames && !stopped) {
        const release = await lock.acquire();
        try {
          // On this thread, synchronously: only what the last group or two appended is
          // left to copy (150–300 frames, 5–9 ms under P2 load); a round trip to the
          // worker on a busy machine took 8–20 ms, all of it with the write lock held.
          if (!stopped && conn.open) conn.pragma("wal_checkpoint(PASSIVE)");
        } finally {
          release();
        }
      }
    } catch {
      // fallBack has run (or stop): nothing left to do here
    } finally {
      busy = false;
    }
  };

  try {
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { sqliteModule, file }, resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 } });
  } catch (err) {
    fallBack(`checkpoint worker did not start: ${(err as Error).message}`);
    return { ready, stop: async () => {} };
  }
  worker.unref();
  worker.on("error", (err) => fallBack(`checkpoint worker failed: ${err.message}`));
  worker.on("exit", (code) => fallBack(`checkpoint worker exited with ${code}`));
  worker.on("message", (m: { id: number; error?: string } & PassResult) => {
    if (m.id === 0) {
      if (stopped || !conn.open) return;
      conn.pragma("wal_autocheckpoint = 0");
      timer = setInterval(() => void tick(), intervalMs);
      timer.unref();
      markReady(true);
      return;
    }
    if (!pending || pending.id !== m.id) return;
    const p = pending;
    pending = undefined;
    clearTimeout(p.timer);
    if (m.error) {
      p.reject(new Error(m.error));
      fallBack(`checkpoint failed: ${m.error}`);
    } else p.resolve(m);
  });

  return {
    ready,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      if (pending) {
        clearTimeout(pending.timer);
        pending.reject(new Error("stopped"));
      }
      markReady(false);
      // Whoever keeps using this connection gets SQLite's own checkpoints back.
      if (conn.open) conn.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT}`);
      await worker?.terminate();
    },
  };
}
