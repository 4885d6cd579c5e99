import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { Lock } from "@/lib/db/sqlite/serialized-sqlite";
import { startWalCheckpointer, type WalCheckpointer } from "@/lib/db/sqlite/wal-checkpointer";

// The checkpointer works on a real SQLite file in WAL mode, with a real worker thread.

const dirs: string[] = [];
const open: { conn: Database.Database; cp?: WalCheckpointer }[] = [];

afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.cp?.stop();
    o.conn.close();
  }
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function writer(): { conn: Database.Database; file: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gh-wal-"));
  dirs.push(dir);
  const file = path.join(dir, "t.db");
  const conn = new Database(file);
  conn.pragma("journal_mode = WAL");
  conn.pragma("synchronous = NORMAL");
  conn.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)`);
  open.push({ conn });
  return { conn, file, dir };
}

const walBytes = (file: string) => fs.statSync(`${file}-wal`).size;

/** 400 write transactions of ~5 KiB each (two WAL frames or more), taken under the lock as group commit does, yielding between them. */
async function writeMany(conn: Database.Database, lock: Lock, n = 400): Promise<number> {
  const insert = conn.prepare(`INSERT INTO t (body) VALUES (?)`);
  let maxWal = 0;
  for (let i = 0; i < n; i++) {
    const release = await lock.acquire();
    try {
      conn.transaction(() => insert.run(Buffer.alloc(5_000, i % 251)))();
    } finally {
      release();
    }
    maxWal = Math.max(maxWal, walBytes(conn.name));
    await new Promise((r) => setTimeout(r, 1));
  }
  return maxWal;
}

describe("WAL checkpointer", () => {
  it("takes checkpoints off the writer and keeps the log short under steady writes; the data stays whole", async () => {
    const { conn } = writer();
    const lock = new Lock();
    const cp = startWalCheckpointer(conn, lock, { resetFrames: 60, intervalMs: 10 });
    open[0]!.cp = cp;
    expect(await cp.ready).toBe(true);
    expect(conn.pragma("wal_autocheckpoint", { simple: true })).toBe(0);

    const maxWal = await writeMany(conn, lock);
    // 400 transactions write ≥ 800 frames (≥ 3.2 MB) if the log is never started again.
    expect(maxWal).toBeLessThan(1_200_000);
    expect(conn.prepare(`SELECT COUNT(*) AS n FROM t`).get()).toEqual({ n: 400 });
    expect(conn.pragma("integrity_check", { simple: true })).toBe("ok");
    const other = new Database(conn.name, { readonly: true });
    expect(other.prepare(`SELECT COUNT(*) AS n FROM t`).get()).toEqual({ n: 400 });
    other.close();
  });

  it("without it and with the writer's checkpoints off, the same writes grow the log (the bound above is the checkpointer's doing)", async () => {
    const { conn } = writer();
    conn.pragma("wal_autocheckpoint = 0");
    const maxWal = await writeMany(conn, new Lock());
    expect(maxWal).toBeGreaterThan(3_200_000);
  });

  it("leaves SQLite's own checkpoints on when the worker cannot open the database", async () => {
    const { conn } = writer();
    const cp = startWalCheckpointer(conn, new Lock(), { sqliteModule: "/nonexistent/better-sqlite3.js", intervalMs: 10 });
    open[0]!.cp = cp;
    expect(await cp.ready).toBe(false);
    expect(conn.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
    conn.prepare(`INSERT INTO t (body) VALUES (?)`).run(Buffer.from("still writes"));
  });

  it("gives the checkpoint back to the writer when the worker stops answering, and keeps no lock meanwhile", async () => {
    const { conn, dir } = writer();
    // A stand-in for better-sqlite3 whose checkpoint never returns: the failure being tested is a stuck worker.
    const stuck = path.join(dir, "stuck-sqlite.cjs");
    fs.writeFileSync(stuck, `module.exports = class { pragma() { for (;;) {} } };`);
    const lock = new Lock();
    const cp = startWalCheckpointer(conn, lock, { sqliteModule: stuck, intervalMs: 10, timeoutMs: 300 });
    open[0]!.cp = cp;
    expect(await cp.ready).toBe(true);
    expect(conn.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
    const got = await Promise.race([lock.acquire().then((release) => (release(), "acquired")), new Promise((r) => setTimeout(() => r("held"), 200))]);
    expect(got).toBe("acquired");
    await new Promise((r) => setTimeout(r, 500));
    expect(conn.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
  });

  it("hands the checkpoint back to the writer when stopped", async () => {
    const { conn } = writer();
    const cp = startWalCheckpointer(conn, new Lock(), { intervalMs: 10 });
    open[0]!.cp = cp;
    expect(await cp.ready).toBe(true);
    await cp.stop();
    expect(conn.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
  });
});
