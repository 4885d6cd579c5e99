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

export type CardPayload = {
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
    fields,
    hiddenFields: resolved.filter((f) => f.visibility === "hide").map((f) => f.label),
    preview: { agent: input.agentPreview, service: input.servicePreview ?? { status: "none" } },
  };
}
