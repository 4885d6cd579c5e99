import "server-only";
import type { Exec, Row, Run, Sql } from "@/lib/db/types";
import { asSql } from "@/lib/db/sql";
import { columnList, rowDecoder, type ColumnKinds } from "@/lib/db/tables/columns";
import { runWithChainPrelock } from "@/lib/db/tables/audit-event";

/** Every Run column and its kind; a schema column missing here fails typecheck. */
export const runColumns = {
  id: "string",
  credentialId: "string",
  tenantId: "string",
  env: "string",
  routeId: "string",
  routeName: "string",
  stepsMax: "int",
  stepsUsed: "int",
  secondsMax: "int",
  usdMaxMicros: "int",
  usdUsedMicros: "int",
  startedAt: "date",
  expiresAt: "date",
  status: "string",
} as const satisfies ColumnKinds<Run>;

/** A raw Run row (provider-shaped values) as the ORM's Run. */
export const decodeRun: (row: Row) => Run = rowDecoder<Run>(runColumns);

const BY_ID = `SELECT ${columnList(runColumns)} FROM "Run" WHERE "id" = ?`;

export async function findRunById(sql: Sql, id: string): Promise<Run | null> {
  const row = await sql.get(BY_ID, [id]);
  return row ? decodeRun(row) : null;
}

const TAKE_STEP_AND_USD = `UPDATE "Run" SET "stepsUsed" = "stepsUsed" + 1, "usdUsedMicros" = "usdUsedMicros" + ?
  WHERE "id" = ? AND "status" = 'active' AND "stepsUsed" < "stepsMax"
    AND "usdUsedMicros" + ? <= "usdMaxMicros" AND "expiresAt" > ?`;
const TAKE_STEP = `UPDATE "Run" SET "stepsUsed" = "stepsUsed" + 1
  WHERE "id" = ? AND "status" = 'active' AND "stepsUsed" < "stepsMax" AND "expiresAt" > ?`;

/**
 * The atomic budget decrement: one conditional UPDATE takes a step (and
 * `costMicros` of the USD budget, when given) from an active, unexpired run
 * with budget left. False when the run had none: nothing was taken.
 */
export async function takeRunStep(exec: Exec, run: { id: string; now: Date; costMicros?: number }): Promise<boolean> {
  const sql = asSql(exec);
  const took = run.costMicros === undefined ? await sql.run(TAKE_STEP, [run.id, run.now]) : await sql.run(TAKE_STEP_AND_USD, [run.costMicros, run.id, run.costMicros, run.now]);
  return took === 1;
}

/**
 * takeRunStep for a proposal, whose append at commit is all that follows it: on PostgreSQL the same
 * statement also locks a free audit chain for that append (runWithChainPrelock), one round trip fewer.
 * `appendEvents`: the events that append will write.
 */
export async function takeRunStepBeforeAppend(exec: Exec, run: { id: string; now: Date; costMicros: number }, appendEvents: number): Promise<boolean> {
  return (await runWithChainPrelock(exec, TAKE_STEP_AND_USD, [run.costMicros, run.id, run.costMicros, run.now], appendEvents)) === 1;
}

const INSERT = `INSERT INTO "Run" (${columnList(runColumns)}) VALUES (${Object.keys(runColumns)
  .map(() => "?")
  .join(", ")})`;

/** Insert a new run (every column given). */
export async function insertRun(exec: Exec, run: Run): Promise<void> {
  await asSql(exec).run(
    INSERT,
    (Object.keys(runColumns) as (keyof Run)[]).map((c) => run[c]),
  );
}
