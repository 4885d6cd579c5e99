import canonicalize from "canonicalize";

/**
 * RFC 8785 canonical JSON. Gatehouse and every tool service must hash the
 * same bytes, so this is the one definition both sides import (docs/SPEC.md).
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error("value cannot be canonicalised as JSON");
  return text;
}
