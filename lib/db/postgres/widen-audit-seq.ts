import "server-only";
import pg from "pg";

/**
 * Widen `AuditEvent.seq` to 64 bits online, for a log too large for the
 * migration to rewrite in place (migration audit_seq_bigint widens logs under
 * gatehouse.audit_seq_inline_max events itself). The service keeps appending
 * throughout; no step holds a lock that blocks appends for longer than a
 * catalogue change:
 *
 * 1. add a nullable BIGINT column "seq64" (catalogue only) and a BEFORE INSERT
 *    trigger that fills it for new rows;
 * 2. let the append-only UPDATE trigger allow exactly one change, "seq64" from
 *    NULL to the row's own "seq" with every other column unchanged, and
 *    backfill in batches of `batch` rows (each its own short transaction);
 * 3. build the primary-key index and each (column, seq) index on "seq64"
 *    CONCURRENTLY, and prove NOT NULL with a CHECK validated without a lock
 *    that blocks writes;
 * 4. swap in one short transaction: drop the old column (its indexes go with
 *    it), rename "seq64" to "seq", adopt the unique index as the primary key,
 *    give the indexes the schema's names, restore the strict append-only
 *    trigger.
 *
 * Every step can be re-run: a crash leaves a state the next run continues
 * from (an invalid index left by a failed CONCURRENTLY build is rebuilt).
 */
export type WidenReport = { widened: boolean; backfilled: number; alreadyWide?: boolean };

/** The (column, seq) indexes of AuditEvent as prisma/schema.prisma names them. */
const SEQ_INDEXES = ["tenantId", "env", "type", "route", "tool", "actorId", "status"] as const;

export async function auditSeqType(client: pg.ClientBase): Promise<string | null> {
  const r = await client.query<{ data_type: string }>(
    `SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'AuditEvent' AND column_name = 'seq'`,
  );
  return r.rows[0]?.data_type ?? null;
}

/** True when AuditEvent.seq on this database is still 32-bit (the start warns). */
export async function auditSeqIsNarrow(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await auditSeqType(client)) === "integer";
  } finally {
    await client.end();
  }
}

export async function widenAuditSeq(url: string, opts: { batch?: number; log?: (line: string) => void } = {}): Promise<WidenReport> {
  const batch = opts.batch ?? 10_000;
  const log = opts.log ?? (() => undefined);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Never queue behind a long transaction while holding a place in the lock queue: appends would queue behind us.
    await client.query(`SET lock_timeout = '2s'`);
    if ((await auditSeqType(client)) === "bigint") {
      log("AuditEvent.seq is already 64-bit; nothing to do");
      return { widened: false, backfilled: 0, alreadyWide: true };
    }
    await retryOnLockTimeout(() =>
      client.query(`
        ALTER TABLE "AuditEvent" ADD COLUMN IF NOT EXISTS "seq64" BIGINT;
        CREATE OR REPLACE FUNCTION gatehouse_audit_fill_seq64() RETURNS trigger AS $$
        BEGIN
          NEW."seq64" := NEW."seq";
          RETURN NEW;
        END;
        $$ LANGUAGE plpgsql;
        DROP TRIGGER IF EXISTS "AuditEvent_fill_seq64" ON "AuditEvent";
        CREATE TRIGGER "AuditEvent_fill_seq64" BEFORE INSERT ON "AuditEvent" FOR EACH ROW EXECUTE FUNCTION gatehouse_audit_fill_seq64();
        CREATE OR REPLACE FUNCTION gatehouse_audit_append_only_but_seq64() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'UPDATE' AND OLD."seq64" IS NULL AND NEW."seq64" = OLD."seq"
             AND (to_jsonb(NEW) - 'seq64') = (to_jsonb(OLD) - 'seq64') THEN
            RETURN NEW;
          END IF;
          RAISE EXCEPTION 'audit events are append-only';
        END;
        $$ LANGUAGE plpgsql;
        DROP TRIGGER IF EXISTS "AuditEvent_no_update" ON "AuditEvent";
        CREATE TRIGGER "AuditEvent_no_update" BEFORE UPDATE ON "AuditEvent" FOR EACH ROW EXECUTE FUNCTION gatehouse_audit_append_only_but_seq64();
      `),
    );
    log("added seq64 and its insert trigger");

    // Every row inserted from here on has seq64; backfill what was there, a batch per transaction.
    let backfilled = 0;
    const { rows: bounds } = await client.query<{ lo: string | null; hi: string | null }>(
      `SELECT min("seq")::text AS lo, max("seq")::text AS hi FROM "AuditEvent" WHERE "seq64" IS NULL`,
    );
    if (bounds[0]?.lo != null) {
      const hi = Number(bounds[0].hi);
      for (let from = Number(bounds[0].lo) - 1; from < hi; from += batch) {
        const r = await client.query(`UPDATE "AuditEvent" SET "seq64" = "seq" WHERE "seq" > $1 AND "seq" <= $2 AND "seq64" IS NULL`, [from, from + batch]);
        backfilled += r.rowCount ?? 0;
      }
    }
    log(`backfilled ${backfilled} rows`);

    // Index builds and the CHECK's validation do not block appends; let them wait for old transactions.
    await client.query(`SET lock_timeout = 0`);
    await buildIndexConcurrently(client, "AuditEvent_seq64_key", `CREATE UNIQUE INDEX CONCURRENTLY "AuditEvent_seq64_key" ON "AuditEvent"("seq64")`);
    for (const c of SEQ_INDEXES) {
      await buildIndexConcurrently(client, `AuditEvent_${c}_seq64_idx`, `CREATE INDEX CONCURRENTLY "AuditEvent_${c}_seq64_idx" ON "AuditEvent"("${c}", "seq64")`);
    }
    log("built the indexes on seq64");

    await client.query(`SET lock_timeout = '2s'`);
    const hasCheck = await client.query(`SELECT 1 FROM pg_constraint WHERE conname = 'AuditEvent_seq64_not_null'`);
    if (hasCheck.rowCount === 0) {
      await retryOnLockTimeout(() => client.query(`ALTER TABLE "AuditEvent" ADD CONSTRAINT "AuditEvent_seq64_not_null" CHECK ("seq64" IS NOT NULL) NOT VALID`));
    }
    // A scan under SHARE UPDATE EXCLUSIVE: appends go on.
    await client.query(`SET lock_timeout = 0`);
    await client.query(`ALTER TABLE "AuditEvent" VALIDATE CONSTRAINT "AuditEvent_seq64_not_null"`);
    await client.query(`SET lock_timeout = '2s'`);

    await retryOnLockTimeout(async () => {
      await client.query("BEGIN");
      try {
        await client.query(`LOCK TABLE "AuditEvent" IN ACCESS EXCLUSIVE MODE`);
        // The validated CHECK lets SET NOT NULL skip its scan.
        await client.query(`
          ALTER TABLE "AuditEvent" ALTER COLUMN "seq64" SET NOT NULL;
          DROP TRIGGER "AuditEvent_fill_seq64" ON "AuditEvent";
          ALTER TABLE "AuditEvent" DROP CONSTRAINT "AuditEvent_pkey";
          ALTER TABLE "AuditEvent" DROP COLUMN "seq";
          ALTER TABLE "AuditEvent" RENAME COLUMN "seq64" TO "seq";
          ALTER TABLE "AuditEvent" ADD CONSTRAINT "AuditEvent_pkey" PRIMARY KEY USING INDEX "AuditEvent_seq64_key";
          ALTER TABLE "AuditEvent" DROP CONSTRAINT "AuditEvent_seq64_not_null";
          ${SEQ_INDEXES.map((c) => `ALTER INDEX "AuditEvent_${c}_seq64_idx" RENAME TO "AuditEvent_${c}_seq_idx";`).join("\n")}
          DROP TRIGGER "AuditEvent_no_update" ON "AuditEvent";
          CREATE TRIGGER "AuditEvent_no_update" BEFORE UPDATE ON "AuditEvent" FOR EACH ROW EXECUTE FUNCTION gatehouse_audit_append_only();
          DROP FUNCTION gatehouse_audit_append_only_but_seq64();
          DROP FUNCTION gatehouse_audit_fill_seq64();
        `);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw err;
      }
    });
    log("swapped: AuditEvent.seq is 64-bit");
    return { widened: true, backfilled };
  } finally {
    await client.end();
  }
}

async function buildIndexConcurrently(client: pg.Client, name: string, create: string): Promise<void> {
  const r = await client.query<{ valid: boolean }>(
    `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace`,
    [name],
  );
  if (r.rows[0]?.valid) return;
  // A failed CONCURRENTLY build leaves an invalid index behind: drop it and build again.
  if (r.rows[0]) await client.query(`DROP INDEX CONCURRENTLY "${name}"`);
  await client.query(create);
}

async function retryOnLockTimeout<T>(fn: () => Promise<T>, attempts = 30): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      // 55P03 lock_not_available: someone held the table; try again shortly rather than queue appends behind us.
      if ((err as { code?: string }).code !== "55P03" || i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 200 * i));
    }
  }
}
