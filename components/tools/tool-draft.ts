import type { ToolEntry, ToolKind } from "@/lib/policy/types";
import type { DisplayField } from "@/lib/catalog/display-spec";

/** The tool form's state: every field as the inputs hold it (the args schema as text). */
export type ToolDraft = {
  name: string;
  kind: ToolKind;
  description: string;
  argsSchema: string;
  summaryTemplate: string;
  scope: string;
  records: string;
  blastDescription: string;
  reversible: boolean;
  via: string;
  undoNote: string;
  /** The card's display spec; null: the default (every schema field shown, in schema order). */
  displayFields: DisplayField[] | null;
  /** The tool service's preview endpoint; "" for none. */
  previewUrl: string;
  previewAllowPrivate: boolean;
};

export const EMPTY_DRAFT: ToolDraft = {
  name: "",
  kind: "write",
  description: "",
  argsSchema: JSON.stringify({ type: "object", properties: {}, required: [], additionalProperties: false }, null, 2),
  summaryTemplate: "",
  scope: "",
  records: "1",
  blastDescription: "",
  reversible: false,
  via: "",
  undoNote: "",
  displayFields: null,
  previewUrl: "",
  previewAllowPrivate: false,
};

/** A catalog entry → form state. */
export function draftOf(e: ToolEntry): ToolDraft {
  return {
    name: e.name,
    kind: e.kind,
    description: e.description,
    argsSchema: JSON.stringify(e.argsSchema, null, 2),
    summaryTemplate: e.summaryTemplate,
    scope: e.blastRadius.scope,
    records: String(e.blastRadius.records),
    blastDescription: e.blastRadius.description,
    reversible: e.undo.reversible,
    via: e.undo.reversible ? e.undo.via : "",
    undoNote: e.undo.note,
    displayFields: e.displaySpec ? e.displaySpec.fields.map((f) => ({ ...f })) : null,
    previewUrl: e.preview?.url ?? "",
    previewAllowPrivate: e.preview?.allowPrivate ?? false,
  };
}

/**
 * Form state → the entry the API validates. Only JSON syntax is checked here
 * (a textarea cannot send an object otherwise); the schema itself, ranges and
 * names are validated by the server, which is the only judge.
 */
export function entryOf(d: ToolDraft): { entry: Record<string, unknown> } | { error: string } {
  let argsSchema: unknown;
  try {
    argsSchema = JSON.parse(d.argsSchema);
  } catch (e) {
    return { error: `The args schema is not JSON: ${(e as Error).message}` };
  }
  return {
    entry: {
      name: d.name.trim(),
      kind: d.kind,
      description: d.description,
      argsSchema,
      summaryTemplate: d.summaryTemplate,
      blastRadius: { scope: d.scope, records: Number(d.records), description: d.blastDescription },
      undo: d.reversible ? { reversible: true, via: d.via.trim(), note: d.undoNote } : { reversible: false, note: d.undoNote },
      displaySpec: d.displayFields ? { fields: d.displayFields } : null,
      preview: d.previewUrl.trim() ? { url: d.previewUrl.trim(), allowPrivate: d.previewAllowPrivate } : null,
    },
  };
}
