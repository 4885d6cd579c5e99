/** Longest summary we produce; the approval card is read in ten seconds. */
export const SUMMARY_MAX_CHARS = 200;

/**
 * One piece of a summary: the catalog template's own words (`agent: false`,
 * Gatehouse's text) or a value filled in from the agent's arguments
 * (`agent: true`, untrusted: the card fences it and shows invisible characters).
 */
export type SummarySegment = { text: string; agent: boolean };

// Control characters and bidi overrides could make a summary read differently
// from what it says ("Close ticket T-1" hiding a reversed string).
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const PLACEHOLDER = /\{([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)\}/g;

/**
 * The template split into its own words and the filled-in values, from
 * (already redacted) args. An absent or null value is left out, not shown as a
 * marker, and the space around it collapses. Values keep every character as
 * the agent sent it (the card makes control, bidi and zero-width characters
 * visible); the total is capped at SUMMARY_MAX_CHARS. Only own properties are
 * read, so `{constructor}` is just absent. Plain data: nothing here builds HTML.
 */
export function renderSummarySegments(template: string, args: unknown): SummarySegment[] {
  const out: SummarySegment[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    pushText(out, template.slice(last, m.index), false);
    const value = lookup(args, m[1]!.split("."));
    if (value !== undefined && value !== null) out.push({ text: display(value), agent: true });
    last = m.index + m[0].length;
  }
  pushText(out, template.slice(last), false);
  return cap(tidy(out), SUMMARY_MAX_CHARS);
}

/**
 * The summary as one line of plain text (stored on the action, sent to the
 * agent API and webhooks): the segments joined, control and bidi characters
 * replaced by spaces.
 */
export function renderSummary(template: string, args: unknown): string {
  return summaryText(renderSummarySegments(template, args));
}

/** Segments as one line of plain text, control and bidi characters replaced by spaces. */
export function summaryText(segments: readonly SummarySegment[]): string {
  return segments
    .map((s) => s.text)
    .join("")
    .replace(UNSAFE_CHARS, " ");
}

function pushText(out: SummarySegment[], text: string, agent: boolean) {
  if (text) out.push({ text, agent });
}

/** Drop the doubled space (and a dangling separator before the end) an omitted value leaves behind. */
function tidy(segs: SummarySegment[]): SummarySegment[] {
  const merged: SummarySegment[] = [];
  for (const s of segs) {
    const prev = merged.at(-1);
    if (prev && !prev.agent && !s.agent) prev.text += s.text;
    else merged.push({ ...s });
  }
  for (let i = 0; i < merged.length; i++) {
    const s = merged[i]!;
    if (s.agent) continue;
    s.text = s.text.replace(/[“"]\s*[”"]/g, "").replace(/ {2,}/g, " ");
    if (i === merged.length - 1) s.text = s.text.replace(/\s*[:,]?\s*$/, (t) => (/[:,]/.test(t) ? "" : t)).trimEnd();
    if (i === 0) s.text = s.text.trimStart();
  }
  return merged.filter((s) => s.text !== "");
}

function cap(segs: SummarySegment[], max: number): SummarySegment[] {
  let left = max;
  const out: SummarySegment[] = [];
  for (const s of segs) {
    if (s.text.length < left || (s.text.length === left && s === segs.at(-1))) {
      out.push(s);
      left -= s.text.length;
      continue;
    }
    out.push({ ...s, text: `${s.text.slice(0, Math.max(0, left - 1))}…` });
    break;
  }
  return out;
}

function lookup(value: unknown, path: string[]): unknown {
  let cur = value;
  for (const key of path) {
    if (typeof cur !== "object" || cur === null || !Object.hasOwn(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function display(value: unknown): string {
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
