/** Longest summary we produce; the approval card is read in ten seconds. */
export const SUMMARY_MAX_CHARS = 200;
export const MISSING = "‹missing›";

// Control characters and bidi overrides could make a summary read differently
// from what it says ("Close ticket T-1" hiding a reversed string).
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Fill `{field}` / `{a.b}` placeholders from (already redacted) args.
 * Plain text only: React renders it inert, so nothing here builds HTML.
 * Only own properties are read, so `{constructor}` is just missing.
 */
export function renderSummary(template: string, args: unknown): string {
  const text = template.replace(/\{([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)\}/g, (_, path: string) => display(lookup(args, path.split("."))));
  const clean = text.replace(UNSAFE_CHARS, " ");
  return clean.length > SUMMARY_MAX_CHARS ? `${clean.slice(0, SUMMARY_MAX_CHARS - 1)}…` : clean;
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
  if (value === undefined || value === null) return MISSING;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
