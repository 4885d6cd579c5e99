import "server-only";
import { seal, unseal } from "@/lib/crypto/seal";
import { redactSecretsDeep } from "@/lib/redact/redact";

/**
 * The approval card's copy of an action's args: secrets masked, personal data
 * kept (the recipient a reviewer must check), sealed with the at-rest key and
 * bound to the action id as associated data, so a copy moved to another row
 * does not open. Reduced to the audit copy (argsDisplay) after the retention
 * that follows the final state (lib/approvals/reduce-card-copies.ts).
 */

const context = (actionId: string) => `action-card:${actionId}`;

/** Seal the card copy of `args` for action `actionId`. */
export function sealCardCopy(actionId: string, args: Record<string, unknown>): string {
  return sealCopy(actionId, redactSecretsDeep(args));
}

/** Seal an already computed card copy (a `redactSecretsDeep` result). */
export function sealCopy(actionId: string, copy: unknown): string {
  return seal(JSON.stringify(copy), context(actionId));
}

/** The card copy, or null when it does not open for this action id (moved, tampered, another key) or is not an object. */
export function openCardCopy(actionId: string, sealed: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(unseal(sealed, context(actionId)));
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
