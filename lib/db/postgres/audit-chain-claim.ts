import "server-only";
import os from "node:os";
import pg from "pg";
import { PgSql } from "@/lib/db/postgres/pg-sql";
import { closeAuditChain, createAuditChain, openAuditChainsOtherThan } from "@/lib/db/tables/audit-chain";

/**
 * This process's audit chains on PostgreSQL (SECURITY.md, "Per-instance audit
 * chains"). On the first append the process claims CHAINS_PER_INSTANCE new
 * chains and holds a session advisory lock on each, on a connection of its
 * own, for as long as it lives: that lock is what "this chain's owner is
 * alive" means. Claiming also
 * closes every open chain whose lock nobody holds (its process crashed or
 * was stopped without closing it). A graceful stop closes the process's own.
 */
const LOCK_NAMESPACE = 7_316_002;

/**
 * Chains per process: an append takes whichever of them no other transaction holds (SKIP
 * LOCKED), so this process's concurrent transactions do not queue on one head row either. As
 * many as the write pool has connections: an append never waits for another's COMMIT.
 */
export const CHAINS_PER_INSTANCE = 10;

type Claim = { url: string; client: pg.Client; chains: number[]; lost: boolean };

const g = globalThis as unknown as { gatehouseAuditChain?: { claim?: Claim; claiming?: Promise<Claim> } };
const state = (g.gatehouseAuditChain ??= {});

/** The chains this process appends to on `url`, claimed on first use (and again if the claim was lost). */
export async function claimedAuditChains(url: string): Promise<number[]> {
  const c = state.claim;
  if (c && c.url === url && !c.lost) return c.chains;
  state.claiming ??= claim(url).finally(() => (state.claiming = undefined));
  return (await state.claiming).chains;
}

/** A chain was found closed (the claim's connection was lost and another instance closed it): claim anew next time. */
export function forgetAuditChains(chains: readonly number[]): void {
  if (state.claim && chains.some((id) => state.claim!.chains.includes(id))) {
    state.claim.lost = true;
    void state.claim.client.end().catch(() => undefined);
  }
}

async function claim(url: string): Promise<Claim> {
  const previous = state.claim;
  if (previous && previous.url !== url) await releaseAuditChain();
  const client = new pg.Client({ connectionString: url, keepAlive: true });
  await client.connect();
  const sql = new PgSql(client as unknown as pg.PoolClient);
  const chains: number[] = [];
  try {
    await client.query("BEGIN");
    // Ids are allocated one at a time (gapless), and each new chain's session lock is taken before
    // its row is visible, so no other instance ever sees it open and unowned.
    await client.query("SELECT pg_advisory_xact_lock($1, 0)", [LOCK_NAMESPACE]);
    for (let i = 0; i < CHAINS_PER_INSTANCE; i++) {
      const id = await createAuditChain(sql, `${os.hostname()}:${process.pid}`, "genesis", new Date());
      await client.query("SELECT pg_advisory_lock($1, $2)", [LOCK_NAMESPACE, id]);
      chains.push(id);
    }
    await client.query("COMMIT");
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  const c: Claim = { url, client, chains, lost: false };
  const lose = () => void (c.lost = true);
  client.on("error", lose);
  client.on("end", lose);
  state.claim = c;
  await closeAbandonedChains(client, chains).catch((err: unknown) => console.error("audit: closing abandoned chains failed:", (err as Error).message));
  return c;
}

/** Close every open chain but `own` whose owner's lock is free (its process is gone). */
async function closeAbandonedChains(client: pg.Client, own: number[]): Promise<void> {
  const sql = new PgSql(client as unknown as pg.PoolClient);
  for (const id of await openAuditChainsOtherThan(sql, own)) {
    const got = (await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, $2) AS ok", [LOCK_NAMESPACE, id])).rows[0]?.ok;
    if (!got) continue;
    try {
      await closeAuditChain(sql, id, new Date());
    } finally {
      await client.query("SELECT pg_advisory_unlock($1, $2)", [LOCK_NAMESPACE, id]);
    }
  }
}

/** A graceful stop: close this process's chain and let its lock go. */
export async function releaseAuditChain(): Promise<void> {
  await state.claiming?.catch(() => undefined);
  const c = state.claim;
  state.claim = undefined;
  if (!c) return;
  if (!c.lost) {
    const sql = new PgSql(c.client as unknown as pg.PoolClient);
    for (const id of c.chains) await closeAuditChain(sql, id, new Date()).catch(() => undefined);
  }
  await c.client.end().catch(() => undefined);
}
