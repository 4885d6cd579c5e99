import crypto from "node:crypto";
import { canonicalJson } from "./canonical-json";

export { canonicalJson } from "./canonical-json";

/** `sha256:<hex>` of the canonical JSON of the unredacted args (node:crypto, synchronous). */
export function argsHash(args: unknown): string {
  return "sha256:" + crypto.createHash("sha256").update(canonicalJson(args)).digest("hex");
}
