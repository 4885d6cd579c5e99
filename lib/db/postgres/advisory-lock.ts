import "server-only";
import type { Tx } from "@/lib/db/types";

/**
 * Take PostgreSQL transaction-scoped advisory locks on `keys` (held until the
 * transaction ends, across every instance), always in sorted order so two
 * transactions never wait on each other's second key.
 */
export async function lockKeysForTransaction(tx: Tx, keys: readonly string[]): Promise<void> {
  for (const key of [...keys].sort()) await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${key}::text, 0))`;
}
