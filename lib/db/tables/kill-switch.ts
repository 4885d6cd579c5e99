import "server-only";
import type { Exec } from "@/lib/db/types";
import { asSql } from "@/lib/db/sql";

const ENABLED_SCOPES = `SELECT "scope" FROM "KillSwitch" WHERE "key" IN (?, ?, ?) AND "enabled" = ?`;

/** The scopes ("tenant", "tool") of the enabled kill switches among these three keys. */
export async function enabledKillSwitchScopes(exec: Exec, keys: readonly [string, string, string]): Promise<string[]> {
  return (await asSql(exec).all<{ scope: string }>(ENABLED_SCOPES, [...keys, true])).map((r) => r.scope);
}
