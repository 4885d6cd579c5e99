import { z } from "zod";

/**
 * A catalog tool's display spec: how the approval card renders its arguments.
 * Each entry names a top-level argument field of the tool's args schema, with
 * Gatehouse's label for it, a rendering and a visibility on the card:
 * `show` (as sent, secrets masked), `mask` (recognisable but masked) or `hide`
 * (left off the card, which says how many fields the spec hides).
 *
 * Fields the spec does not name are shown after the named ones, in schema
 * order: a field added to the schema later is never hidden by omission.
 * Pure (no I/O): the tools page imports it to validate a draft.
 */

export const CARD_FIELD_RENDERS = ["text", "multiline", "email", "money", "id", "enum", "json"] as const;
export type CardFieldRender = (typeof CARD_FIELD_RENDERS)[number];
export const FIELD_VISIBILITIES = ["show", "mask", "hide"] as const;
export type FieldVisibility = (typeof FIELD_VISIBILITIES)[number];

const FIELD_NAME = /^[A-Za-z0-9_-]{1,100}$/;
const CURRENCY = /^[A-Z]{3}$/;

export const displayFieldSchema = z.strictObject({
  field: z.string().regex(FIELD_NAME, "A top-level argument name, e.g. `to`."),
  label: z.string().trim().min(1).max(60).optional(),
  render: z.enum(CARD_FIELD_RENDERS).optional(),
  visibility: z.enum(FIELD_VISIBILITIES).default("show"),
  /** money: the argument holding the ISO currency code (agent-supplied), e.g. `currency`. */
  currencyField: z.string().regex(FIELD_NAME).optional(),
  /** money: a fixed ISO currency code when the schema fixes it (e.g. `amount_usd`). */
  currency: z.string().regex(CURRENCY, "An ISO 4217 code such as USD.").optional(),
});

export const displaySpecSchema = z.strictObject({ fields: z.array(displayFieldSchema).max(100) });

export type DisplayField = z.output<typeof displayFieldSchema>;
export type DisplaySpec = z.output<typeof displaySpecSchema>;

/** One card field after defaults: every property filled in. */
export type ResolvedField = { field: string; label: string; render: CardFieldRender; visibility: FieldVisibility; currencyField?: string; currency?: string };

type SchemaProp = { type?: unknown; format?: unknown; enum?: unknown; pattern?: unknown; maxLength?: unknown; properties?: unknown; items?: unknown };

/** The top-level properties of an args schema, in schema order. */
export function schemaProperties(argsSchema: Record<string, unknown> | null): [string, SchemaProp][] {
  const props = argsSchema?.properties;
  if (!props || typeof props !== "object" || Array.isArray(props)) return [];
  return Object.entries(props as Record<string, unknown>).map(([k, v]) => [k, v && typeof v === "object" ? (v as SchemaProp) : {}]);
}

/** The rendering a schema property suggests when the spec names none. */
export function defaultRender(name: string, prop: SchemaProp): CardFieldRender {
  const type = Array.isArray(prop.type) ? prop.type.find((t) => t !== "null") : prop.type;
  if (Array.isArray(prop.enum)) return "enum";
  if (type === "object" || type === "array") return "json";
  if (type === "string") {
    if (prop.format === "email") return "email";
    if (typeof prop.pattern === "string" || /(^|_)id$/.test(name)) return "id";
    if (typeof prop.maxLength !== "number" || prop.maxLength > 300) return "multiline";
  }
  return "text";
}

/** "ticket_id" → "Ticket id". */
export function defaultLabel(name: string): string {
  const words = name.replace(/[_-]+/g, " ").trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : name;
}

/**
 * Problems with a spec against its tool's args schema (empty when valid): a
 * field the schema lacks, a field named twice, a money field without a
 * currency, a currency field the schema lacks.
 */
export function displaySpecIssues(spec: DisplaySpec, argsSchema: Record<string, unknown>): { path: string; message: string }[] {
  const known = new Set(schemaProperties(argsSchema).map(([k]) => k));
  const issues: { path: string; message: string }[] = [];
  const seen = new Set<string>();
  spec.fields.forEach((f, i) => {
    const path = `displaySpec.fields.${i}`;
    if (!known.has(f.field)) issues.push({ path: `${path}.field`, message: `The args schema has no field \`${f.field}\`.` });
    if (seen.has(f.field)) issues.push({ path: `${path}.field`, message: `\`${f.field}\` is named twice.` });
    seen.add(f.field);
    if (f.currencyField !== undefined && !known.has(f.currencyField))
      issues.push({ path: `${path}.currencyField`, message: `The args schema has no field \`${f.currencyField}\`.` });
    if (f.render === "money" && !f.currency && !f.currencyField) issues.push({ path, message: "A money field needs `currency` or `currencyField`." });
    if (f.render !== "money" && (f.currency || f.currencyField)) issues.push({ path, message: "`currency` and `currencyField` are for money fields only." });
  });
  return issues;
}

/** The card's fields: the spec's in its order, then every other schema field in schema order (shown). */
export function resolveDisplayFields(argsSchema: Record<string, unknown> | null, spec: DisplaySpec | null | undefined): ResolvedField[] {
  const props = schemaProperties(argsSchema);
  const propOf = new Map(props);
  const out: ResolvedField[] = [];
  const named = new Set<string>();
  for (const f of spec?.fields ?? []) {
    if (named.has(f.field)) continue;
    named.add(f.field);
    const prop = propOf.get(f.field) ?? {};
    out.push({
      field: f.field,
      label: f.label ?? defaultLabel(f.field),
      render: f.render ?? defaultRender(f.field, prop),
      visibility: f.visibility,
      ...(f.currencyField ? { currencyField: f.currencyField } : {}),
      ...(f.currency ? { currency: f.currency } : {}),
    });
  }
  for (const [name, prop] of props) {
    if (named.has(name)) continue;
    out.push({ field: name, label: defaultLabel(name), render: defaultRender(name, prop), visibility: "show" });
  }
  return out;
}

const RANK: Record<FieldVisibility, number> = { show: 0, mask: 1, hide: 2 };

/**
 * What a spec change takes away from reviewers (empty when it only shows
 * more): a field newly masked or hidden. Such a change can blind reviewers,
 * so it needs a second admin.
 */
export function displaySpecWidening(argsSchema: Record<string, unknown>, before: DisplaySpec | null | undefined, after: DisplaySpec | null | undefined): string[] {
  const was = new Map(resolveDisplayFields(argsSchema, before).map((f) => [f.field, f.visibility]));
  const out: string[] = [];
  for (const f of resolveDisplayFields(argsSchema, after)) {
    const prev = was.get(f.field) ?? "show";
    if (RANK[f.visibility] > RANK[prev]) out.push(`${f.visibility === "hide" ? "Hides" : "Masks"} \`${f.field}\` on the approval card (was ${prev}).`);
  }
  return out;
}
