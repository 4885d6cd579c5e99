import { db } from "@/lib/db/client";

export type ToolRow = { name: string; kind: string; description: string; summaryTemplate: string; blastRadius: string; undo: string };

function field(text: string, key: string): string {
  try {
    const v = (JSON.parse(text) as Record<string, unknown>)[key];
    return typeof v === "string" ? v : "";
  } catch {
    return "";
  }
}

/** The tool catalog for display: blast radius and undo reduced to one line each. */
export async function listTools(): Promise<ToolRow[]> {
  const tools = await db().tool.findMany({ orderBy: { name: "asc" } });
  return tools.map((t) => {
    let undo = field(t.undo, "note");
    try {
      const u = JSON.parse(t.undo) as { reversible?: boolean; via?: string };
      undo = u.reversible ? `via ${u.via ?? "?"}` : "irreversible";
    } catch {
      // leave the note
    }
    return {
      name: t.name,
      kind: t.kind,
      description: t.description,
      summaryTemplate: t.summaryTemplate,
      blastRadius: field(t.blastRadius, "scope") || field(t.blastRadius, "description"),
      undo,
    };
  });
}
