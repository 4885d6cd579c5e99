import "server-only";
import type { Exec, Row, Tool } from "@/lib/db/types";
import { asSql } from "@/lib/db/sql";
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
  displaySpec: "string?",
  previewUrl: "string?",
  previewAllowPrivate: "bool",
} as const satisfies ColumnKinds<Tool>;

export const decodeTool: (row: Row) => Tool = rowDecoder<Tool>(toolColumns);

const BY_NAME = `SELECT ${columnList(toolColumns)} FROM "Tool" WHERE "name" = ?`;

/** The catalog row of this name (the database's comparison; the caller re-checks exactness). */
export async function findToolByName(exec: Exec, name: string): Promise<Tool | null> {
  const row = await asSql(exec).get(BY_NAME, [name]);
  return row ? decodeTool(row) : null;
}

const readTexts = new Map<number, string>();

/** Which of `names` are read tools in the catalog. */
export async function readToolsAmong(exec: Exec, names: readonly string[]): Promise<string[]> {
  if (names.length === 0) return [];
  let text = readTexts.get(names.length);
  if (text === undefined) {
    text = `SELECT "name" FROM "Tool" WHERE "kind" = 'read' AND "name" IN (${names.map(() => "?").join(", ")})`;
    readTexts.set(names.length, text);
  }
  return (await asSql(exec).all<{ name: string }>(text, names)).map((r) => r.name);
}
