import { env } from "@/lib/env";
import { widenAuditSeq } from "@/lib/db/postgres/widen-audit-seq";

// `npm run db:widen-audit-seq`: widen a large PostgreSQL audit log's seq to 64 bits while the
// service runs (docs/postgres-operations.md). `--batch N` sets the backfill batch (default 10,000).

async function main(): Promise<void> {
  const e = env();
  if (e.provider !== "postgres") {
    console.log("SQLite's INTEGER is already 64-bit: nothing to do.");
    return;
  }
  const i = process.argv.indexOf("--batch");
  const batch = i === -1 ? undefined : Number(process.argv[i + 1]);
  if (batch !== undefined && (!Number.isInteger(batch) || batch < 1)) throw new Error("--batch needs a positive whole number");
  const started = Date.now();
  const r = await widenAuditSeq(e.databaseUrl, { batch, log: (line) => console.log(line) });
  console.log(r.widened ? `done in ${((Date.now() - started) / 1000).toFixed(1)} s (${r.backfilled} rows backfilled)` : "nothing to do");
}

main().catch((err: unknown) => {
  console.error(`widening failed (safe to re-run; it continues where it stopped): ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
