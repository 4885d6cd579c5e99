import type { Sql } from "@/lib/db/types";

const ENABLED_SCOPES = `SELECT "scope" FROM "KillSwitch" WHERE "key" IN (?, ?, ?) AND "enabled" = ?`;

/** The scopes ("tenant", "tool") of the enabled kill switches among these three keys. */
export async function enabledKillSwitchScopes(sql: Sql, keys: readonly [string, string, string]): Promise<string[]> {
  return (await sql.all<{ scope: string }>(ENABLED_SCOPES, [...keys, true])).map((r) => r.scope);
}
