import "server-only";
import type { SqliteDriver } from "@/lib/db/sqlite/serialized-sqlite";
import type { Sql } from "@/lib/db/types";
import { SqliteSql } from "@/lib/db/sqlite/sqlite-sql";

/**
 * At most this many transactions share a commit, so no caller waits long behind a crowd.
 * 64 rather than 32: at 50 agent connections a cap of 32 split the queue into a full
 * group and a leftover; P3's p99 was 53–83 ms at 32 and 45–56 ms at 64 (quick runs).
 */
const MAX_GROUP = 64;
const MAX_LINGER = 2;
/**
 * A group yields to the event loop after every this many members. Run in one go, 50 members
 * held the loop ~20 ms: requests that arrived meanwhile were not read until after the COMMIT,
 * and libuv accepts one new connection per loop turn. Yielding lets them be read and join
 * this group. Interleaved A/B at 50 connections: P3 3,290 → 3,683 req/s, p99 33 → 27 ms, a new
 * connection's first answer at most 311 → 103 ms; P2 p99 43 → 37 ms. Every 4: no better.
 */
const YIELD_EVERY = 8;

type Member = { fn: (sql: Sql) => Promise<unknown>; resolve: (v: unknown) => void; reject: (e: unknown) => void };

/**
 * Group commit for raw write transactions on SQLite's single connection.
 * Transactions that queue up while one runs join it: each runs alone, in
 * turn, inside its own SAVEPOINT (its failure undoes only its own writes),
 * and all of them share one COMMIT. Nobody's promise settles before that
 * COMMIT, so no caller ever sees — or hands out — something that is not yet
 * durable; if the COMMIT fails, every member of the group fails.
 */
class GroupCommitter {
  private queue: Member[] = [];
  private draining = false;
  private readonly sql: SqliteSql;

  constructor(private readonly driver: SqliteDriver) {
    this.sql = new SqliteSql(driver.conn);
  }

  submit<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) await this.runGroup();
    } finally {
      this.draining = false;
    }
  }

  private async runGroup(): Promise<void> {
    const { conn, lock } = this.driver;
    const release = await lock.acquire();
    const done: { m: Member; value: unknown }[] = [];
    let current: Member | undefined;
    try {
      try {
        // IMMEDIATE takes the write lock up front: another process (a CLI script)
        // gets SQLITE_BUSY after the busy timeout instead of a deadlocked upgrade.
        this.sql.exec("BEGIN IMMEDIATE");
      } catch (err) {
        // No transaction can start now (locked past the busy timeout, read-only,
        // gone): everyone waiting fails rather than waiting another timeout each.
        for (const m of this.queue.splice(0)) m.reject(err);
        return;
      }
      let n = 0;
      for (let linger = 0; ; linger++) {
        for (; n < MAX_GROUP && this.queue.length > 0; n++) {
          current = this.queue.shift()!;
          this.sql.exec("SAVEPOINT gh_member");
          try {
            const value = await current.fn(this.sql);
            this.sql.exec("RELEASE gh_member");
            done.push({ m: current, value });
          } catch (err) {
            // Some errors (disk full, I/O) end the whole transaction: then the
            // group's earlier members are gone too and must fail with it.
            if (!conn.inTransaction) throw err;
            this.sql.exec("ROLLBACK TO gh_member");
            this.sql.exec("RELEASE gh_member");
            current.reject(err);
          }
          current = undefined;
          // The transaction stays open across the turn: every other user of this connection
          // waits for the lock, so nothing interleaves with it.
          if ((n + 1) % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
        }
        // Under load, requests that arrived while this group ran are one event-loop
        // turn from joining it; waiting that turn (twice at most) lets them share the COMMIT.
        if (n >= MAX_GROUP || linger >= MAX_LINGER) break;
        await new Promise((r) => setImmediate(r));
        if (this.queue.length === 0) break;
      }
      this.sql.exec("COMMIT");
    } catch (err) {
      current?.reject(err);
      for (const d of done) d.m.reject(err);
      done.length = 0;
    } finally {
      if (conn.inTransaction) conn.prepare("ROLLBACK").run();
      release();
    }
    for (const d of done) d.m.resolve(d.value);
  }
}

const committers = new WeakMap<SqliteDriver["conn"], GroupCommitter>();

export function groupCommitter(driver: SqliteDriver): GroupCommitter {
  let c = committers.get(driver.conn);
  if (!c) committers.set(driver.conn, (c = new GroupCommitter(driver)));
  return c;
}
