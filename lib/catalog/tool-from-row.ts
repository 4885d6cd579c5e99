import "server-only";
import type { ToolEntry } from "@/lib/policy/types";
import { parseToolEntry } from "@/lib/catalog/tool-schema";

type ToolRow = {
  name: string;
  kind: string;
  description: string;
  argsSchema: string;
  summaryTemplate: string;
  blastRadius: string;
  undo: string;
  displaySpec: string | null;
  previewUrl: string | null;
  previewAllowPrivate: boolean;
  updatedAt: Date;
};

// Parsing a tool compiles its JSON Schema, far too slow for every request:
// entries are cached by the row's content and re-parsed when it changes.
const cache = new Map<string, ToolEntry>();
const MAX_CACHED = 2_000;

/** A catalog row as a validated ToolEntry; throws when the row is unreadable. */
export function toolEntryFromRow(row: ToolRow): ToolEntry {
  const key = [row.name, row.updatedAt.getTime(), row.kind, row.argsSchema, row.displaySpec, row.previewUrl, row.previewAllowPrivate].join("\u0000");
  let entry = cache.get(key);
  if (!entry) {
    entry = parseToolEntry({
      name: row.name,
      kind: row.kind,
      description: row.description,
      argsSchema: JSON.parse(row.argsSchema),
      summaryTemplate: row.summaryTemplate,
      blastRadius: JSON.parse(row.blastRadius),
      undo: JSON.parse(row.undo),
      displaySpec: row.displaySpec ? JSON.parse(row.displaySpec) : null,
      preview: row.previewUrl ? { url: row.previewUrl, allowPrivate: row.previewAllowPrivate } : null,
    });
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, entry);
  }
  return entry;
}
