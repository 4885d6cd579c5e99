import "server-only";
import type { Sql } from "@/lib/db/types";

const IDS = `SELECT "id" FROM "PolicyVersion"`;

/** Every policy version's id (versions never change once written: callers cache by id). */
export async function policyVersionIds(sql: Sql): Promise<string[]> {
  return (await sql.all<{ id: string }>(IDS)).map((r) => r.id);
}
