import "server-only";
import { db, type Tx } from "@/lib/db/client";
import { toolEntryFromRow } from "@/lib/catalog/tool-from-row";
import type { ToolEntry } from "@/lib/policy/types";

/** The catalog as ToolEntry values; a row that no longer parses is left out (so it counts as unknown, i.e. denied). */
export async function loadToolMap(tx: Tx | ReturnType<typeof db>): Promise<Map<string, ToolEntry>> {
  const rows = await tx.tool.findMany();
  const out = new Map<string, ToolEntry>();
  for (const row of rows) {
    try {
      out.set(row.name, toolEntryFromRow(row));
    } catch {
      // fail closed: an unreadable entry is treated as unknown
    }
  }
  return out;
}

/** Every readable catalog entry, by name: the admin's tool list. */
export async function listTools(): Promise<ToolEntry[]> {
  return [...(await loadToolMap(db())).values()].sort((a, b) => a.name.localeCompare(b.name));
}
