import "server-only";
import type { Exec } from "@/lib/db/types";
import { asSql } from "@/lib/db/sql";

const ENABLED_SCOPES = `SELECT "scope" FROM "KillSwitch" WHERE "key" IN (?, ?, ?) AND "enabled" = ?`;

/** The scopes ("tenant", "tool") of the enabled kill switches among these three keys. */
export async function enabledKillSwitchScopes(exec: Exec, keys: readonly [string, string, string]): Promise<string[]> {
  return (await asSql(exec).all<{ scope: string }>(ENABLED_SCOPES, [...keys, true])).map((r) => r.scope);
}

const ENABLED_KEY = `SELECT 1 AS "on" FROM "KillSwitch" WHERE "key" = ? AND "enabled" = ? LIMIT 1`;

/** Whether the kill switch with this key exists and is on. */
export async function killSwitchEnabled(exec: Exec, key: string): Promise<boolean> {
  return (await asSql(exec).get(ENABLED_KEY, [key, true])) !== undefined;
}

const killedTexts = new Map<number, string>();

/** The tools of the enabled kill switches among `keys`. */
export async function killedToolsAmong(exec: Exec, keys: readonly string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  let text = killedTexts.get(keys.length);
  if (text === undefined) {
    text = `SELECT "tool" FROM "KillSwitch" WHERE "enabled" = ? AND "key" IN (${keys.map(() => "?").join(", ")})`;
    killedTexts.set(keys.length, text);
  }
  return (await asSql(exec).all<{ tool: string | null }>(text, [true, ...keys])).flatMap((r) => (r.tool ? [r.tool] : []));
}
