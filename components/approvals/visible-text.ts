/**
 * Make agent-written text safe to read, not just safe to render: React text
 * nodes already keep it inert; this also shows the characters a reviewer could
 * not otherwise see (control codes, bidi overrides, zero-width marks), so
 * "delete nothing" cannot hide a reversed or invisible payload. Pure.
 */
const INVISIBLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

export function visibleText(text: string): string {
  return text.replace(INVISIBLE, (ch) => {
    const code = ch.charCodeAt(0);
    // C0 controls have their own visible pictures (U+2400 block).
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    if (code === 0x7f) return "\u2421";
    return `\u27e8U+${code.toString(16).toUpperCase().padStart(4, "0")}\u27e9`;
  });
}

/** A value for display: strings as they are, everything else as indented JSON. */
export function displayValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "";
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * JSON for a reviewer to edit in a plain text box, which cannot show markers:
 * every invisible character is written as its `\uXXXX` escape, so it is
 * visible, and the text still parses back to exactly the same value.
 */
export function editableJson(value: unknown): string {
  const text = JSON.stringify(value, null, 2) ?? "null";
  return text.replace(INVISIBLE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
