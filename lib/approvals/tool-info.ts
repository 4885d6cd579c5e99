import type { BlastRadius, Undo } from "@/lib/policy/types";

/** A catalog entry's review fields, parsed leniently: a bad row shows "unknown", never crashes the card. */
export type ToolReviewInfo = { description: string; blastRadius: BlastRadius | null; undo: Undo | null };

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function asBlastRadius(v: unknown): BlastRadius | null {
  if (!v || typeof v !== "object") return null;
  const o = v as Record<string, unknown>;
  if (typeof o.scope !== "string" || typeof o.records !== "number") return null;
  return { scope: o.scope, records: o.records, description: typeof o.description === "string" ? o.description : "" };
}

function asUndo(v: unknown): Undo | null {
  if (!v || typeof v !== "object") return null;
  const o = v as Record<string, unknown>;
  const note = typeof o.note === "string" ? o.note : "";
  if (o.reversible === true && typeof o.via === "string") return { reversible: true, via: o.via, note };
  if (o.reversible === false) return { reversible: false, note };
  return null;
}

/** Review fields from a Tool row (or null when the tool left the catalog). */
export function toolReviewInfo(row: { description: string; blastRadius: string; undo: string } | null): ToolReviewInfo {
  if (!row) return { description: "", blastRadius: null, undo: null };
  return { description: row.description, blastRadius: asBlastRadius(parseJson(row.blastRadius)), undo: asUndo(parseJson(row.undo)) };
}
