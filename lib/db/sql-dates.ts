import "server-only";
import { provider } from "@/lib/db/client";

/**
 * Date arithmetic inside SQL, in each provider's own terms: PostgreSQL has timestamps, SQLite keeps the ORM's
 * ISO-8601 text (lib/db/sqlite/sqlite-sql.ts), read with julianday (a double, so rounded to the millisecond:
 * 30 s is 30,000 ms and not 29,999.9999). Arguments are column names or expressions, never input.
 */
export function epochMs(x: string): string {
  return provider() === "postgres" ? `ROUND(EXTRACT(EPOCH FROM ${x}) * 1000)` : `ROUND((julianday(${x}) - 2440587.5) * 86400000.0)`;
}

/** Milliseconds from `earlier` to `later`. */
export function msBetween(later: string, earlier: string): string {
  return provider() === "postgres" ? `ROUND(EXTRACT(EPOCH FROM (${later} - ${earlier})) * 1000)` : `ROUND((julianday(${later}) - julianday(${earlier})) * 86400000.0)`;
}
