import crypto from "node:crypto";
import canonicalize from "canonicalize";

/**
 * RFC 8785 canonical JSON. Gatehouse and every tool service must hash the
 * same bytes, so this is the one definition both sides import.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error("value cannot be canonicalised as JSON");
  return text;
}

/** `sha256:<hex>` of the canonical JSON of the unredacted args. */
export function argsHash(args: unknown): string {
  return "sha256:" + crypto.createHash("sha256").update(canonicalJson(args)).digest("hex");
}
