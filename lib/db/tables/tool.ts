import type { Row, Sql, Tool } from "@/lib/db/types";
import { columnList, rowDecoder, type ColumnKinds } from "@/lib/db/tables/columns";

/** Every Tool column and its kind; a schema column missing here fails typecheck. */
export const toolColumns = {
  name: "string",
  kind: "string",
  description: "string",
  argsSchema: "string",
  summaryTemplate: "string",
  blastRadius: "string",
  undo: "string",
  createdAt: "date",
  updatedAt: "date",
} as const satisfies ColumnKinds<Tool>;

export const decodeTool: (row: Row) => Tool = rowDecoder<Tool>(toolColumns);

const BY_NAME = `SELECT ${columnList(toolColumns)} FROM "Tool" WHERE "name" = ?`;

/** The catalog row of this name (the database's comparison; the caller re-checks exactness). */
export async function findToolByName(sql: Sql, name: string): Promise<Tool | null> {
  const row = await sql.get(BY_NAME, [name]);
  return row ? decodeTool(row) : null;
}
