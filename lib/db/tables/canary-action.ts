import "server-only";
import type { Exec } from "@/lib/db/types";
import { asSql } from "@/lib/db/sql";

const IS_CANARY = `SELECT 1 AS "x" FROM "CanaryAction" WHERE "actionId" = ?`;

/** True when the action is a canary (lib/canaries): it never gets a token, never runs and never notifies outside. */
export async function isCanaryAction(exec: Exec, actionId: string): Promise<boolean> {
  return (await asSql(exec).get(IS_CANARY, [actionId])) !== undefined;
}
