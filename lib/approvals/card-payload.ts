import { REDACTED } from "@/lib/redact/redact";
import { resolveDisplayFields, type CardFieldRender, type DisplaySpec, type ResolvedField } from "@/lib/catalog/display-spec";

export type { CardFieldRender } from "@/lib/catalog/display-spec";

/**
 * The approval card's payload, built on the server: the arguments rendered as
 * the tool's display spec says (labels are Gatehouse's words; values are the
 * agent's, to be fenced), plus both previews: the agent's claim and the tool
 * service's answer. Pure: the caller loads the rows and opens the card copy.
 */
export type CardField = {
  /** The argument path, e.g. "to" or "amount"; "" for "Other arguments" (those the schema does not list, as one JSON object). */
  key: string;
  /** From the display spec (Gatehouse's words, not agent-controlled). */
  label: string;
  render: CardFieldRender;
  /** Agent-supplied text as it must be shown (secrets already "[REDACTED]"); null when absent; money: the formatted amount; json: pretty JSON. */
  value: string | null;
  /** money: the currency code (agent-supplied unless the spec fixes it). */
  currency?: string;
  /** "mask" visibility or a secret inside: shown masked. */
  masked: boolean;
};

export type ServicePreview = { status: "none" | "pending" | "ok" | "failed"; before?: unknown; after?: unknown; error?: string; at?: string };

/**
 * The summary template split into Gatehouse's words (`text`, unfenced) and the agent's values
 * (`value`, to be fenced), from the same copy and display spec as the fields: a masked field is
 * masked here too, a hidden one is `hidden`; `value` is null when the argument is absent.
 */
export type HeadlinePart = { text: string } | { key: string; value: string | null; masked: boolean; hidden: boolean };

export type CardPayload = {
  /** The summary template filled from the card's copy, as parts (see HeadlinePart). */
  headline: HeadlinePart[];
  /** In display-spec order; "hide" fields are not here. */
  fields: CardField[];
  /** Labels of the fields the spec hides, so the card can say "2 fields hidden by the display spec". */
  hiddenFields: string[];
  preview: {
    /** The agent's claim (untrusted). */
    agent: { before?: unknown; after?: unknown } | null;
    /** What the tool service answered to Gatehouse's own preview request. */
    service: ServicePreview;
  };
};

export type CardPayloadInput = {
  argsSchema: Record<string, unknown> | null;
  /** The tool's summary template ("Close ticket {ticket_id}"); empty when the tool left the catalog. */
  summaryTemplate?: string;
  displaySpec: DisplaySpec | null | undefined;
  /** The card copy of the args (secrets masked, personal data kept) or, after retention, the audit copy. */
  args: Record<string, unknown>;
  agentPreview: { before?: unknown; after?: unknown } | null;
  servicePreview: ServicePreview | null;
};

const DOT = "•";

function textOf(value: unknown, render: CardFieldRender): string {
  if (render === "json" || (value !== null && typeof value === "object")) return JSON.stringify(value, null, 2);
  return String(value);
}

function money(value: unknown): string {
  const n = typeof value === "number" ? value : typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isFinite(n)) return textOf(value, "text");
  // Fixed grouping and two decimals, the same on server and client (no locale).
  const [int, frac] = Math.abs(n).toFixed(2).split(".");
  return `${n < 0 ? "-" : ""}${int!.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${frac}`;
}

/** A value the spec masks: recognisable (an address's first letter and domain, an id's last two characters), never readable. */
export function maskValue(text: string, render: CardFieldRender): string {
  if (render === "multiline" || render === "json") return `${DOT.repeat(4)} (${text.length} characters)`;
  const at = text.lastIndexOf("@");
  if (at > 0) return `${text[0]}${DOT.repeat(3)}${text.slice(at)}`;
  if (text.length <= 4) return DOT.repeat(4);
  return `${DOT.repeat(Math.min(8, text.length - 2))}${text.slice(-2)}`;
}

function field(f: ResolvedField, args: Record<string, unknown>): CardField {
  const raw = Object.hasOwn(args, f.field) ? args[f.field] : undefined;
  const base = { key: f.field, label: f.label, render: f.render };
  if (raw === undefined || raw === null) return { ...base, value: null, masked: false };
  const currencyRaw = f.currencyField && Object.hasOwn(args, f.currencyField) ? args[f.currencyField] : undefined;
  const currency = f.render === "money" ? (f.currency ?? (typeof currencyRaw === "string" ? currencyRaw : undefined)) : undefined;
  let value = f.render === "money" ? money(raw) : textOf(raw, f.render);
  const secret = value.includes(REDACTED);
  if (f.visibility === "mask") value = maskValue(value, f.render);
  return { ...base, value, ...(currency !== undefined ? { currency } : {}), masked: f.visibility === "mask" || secret };
}

const PLACEHOLDER = /\{([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)\}/g;

function lookup(value: unknown, path: string[]): unknown {
  let cur = value;
  for (const key of path) {
    if (typeof cur !== "object" || cur === null || !Object.hasOwn(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** The summary template as parts: literal text, and each placeholder's value under the field's display rules. */
export function buildHeadline(template: string, args: Record<string, unknown>, fields: ResolvedField[]): HeadlinePart[] {
  const parts: HeadlinePart[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (m.index > last) parts.push({ text: template.slice(last, m.index) });
    last = m.index + m[0].length;
    const path = m[1]!;
    const f = fields.find((x) => x.field === path.split(".")[0]);
    const raw = lookup(args, path.split("."));
    if (f?.visibility === "hide") {
      parts.push({ key: path, value: null, masked: false, hidden: true });
      continue;
    }
    if (raw === undefined || raw === null) {
      parts.push({ key: path, value: null, masked: false, hidden: false });
      continue;
    }
    const render = f?.render ?? "text";
    let value = render === "money" ? money(raw) : typeof raw === "object" ? JSON.stringify(raw) : String(raw);
    const secret = value.includes(REDACTED);
    if (f?.visibility === "mask") value = maskValue(value, render);
    parts.push({ key: path, value, masked: f?.visibility === "mask" || secret, hidden: false });
  }
  if (last < template.length) parts.push({ text: template.slice(last) });
  return parts;
}

/** The card payload for one action. */
export function buildCardPayload(input: CardPayloadInput): CardPayload {
  const resolved = resolveDisplayFields(input.argsSchema, input.displaySpec);
  // Arguments the schema does not list (it allows additional properties) are still shown, as one JSON field under
  // Gatehouse's label: nothing the agent sent is invisible, and no agent-chosen key becomes a label.
  const extraKeys = Object.keys(input.args).filter((k) => !resolved.some((f) => f.field === k));
  const fields = resolved.filter((f) => f.visibility !== "hide").map((f) => field(f, input.args));
  if (extraKeys.length) {
    const extra = Object.fromEntries(extraKeys.map((k) => [k, input.args[k]]));
    const value = JSON.stringify(extra, null, 2);
    fields.push({ key: "", label: "Other arguments", render: "json", value, masked: value.includes(REDACTED) });
  }
  return {
    headline: buildHeadline(input.summaryTemplate ?? "", input.args, resolved),
    fields,
    hiddenFields: resolved.filter((f) => f.visibility === "hide").map((f) => f.label),
    preview: { agent: input.agentPreview, service: input.servicePreview ?? { status: "none" } },
  };
}
