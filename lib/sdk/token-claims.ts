import { z } from "zod";

/**
 * Claims of Gatehouse capability tokens. Shared by the server (minting) and
 * tool services (verifying), so it imports nothing from the server.
 */

/** JWT `typ` header of a run token (read tools of one run). */
export const RUN_TOKEN_TYP = "gh-run+jwt";
/** JWT `typ` header of an action token (one approved tool call, single use). */
export const ACTION_TOKEN_TYP = "gh-action+jwt";
/**
 * JWT `typ` header of a preview token: Gatehouse asking a tool service what an
 * action would change. Read-only: no verifier accepts it for a tool call (its
 * `typ` and its audience, `<audience>/preview`, both differ from an action token's).
 */
export const PREVIEW_TOKEN_TYP = "gh-preview+jwt";
/** A preview token's `aud` is the tool services' audience with this suffix. */
export const PREVIEW_AUDIENCE_SUFFIX = "/preview";
/** A preview request is answered at once; its token lives a minute at most. */
export const PREVIEW_TOKEN_TTL_SECONDS = 60;
/** No capability token lives longer than five minutes. */
export const MAX_TOKEN_TTL_SECONDS = 300;
/** The only signing algorithm Gatehouse uses or accepts. */
export const TOKEN_ALG = "EdDSA";

const seconds = z.number().int().nonnegative();
const text = z.string().min(1).max(512);

const registeredClaims = {
  iss: text,
  aud: text,
  /** The agent credential the token was issued to. */
  sub: text,
  jti: text,
  iat: seconds,
  nbf: seconds,
  exp: seconds,
  tenant: text,
  env: z.enum(["prod", "staging", "dev"]),
  route: text,
  run_id: text,
};

export const runClaimsSchema = z.object({
  ...registeredClaims,
  /** The read tools the run's route allows. */
  tools: z.array(text).max(1000),
});
export type RunClaims = z.infer<typeof runClaimsSchema>;

export const actionClaimsSchema = z.object({
  ...registeredClaims,
  action_id: text,
  tool: text,
  /** `sha256:<hex>` of the canonical JSON of the args (lib/sdk/args-hash). */
  args_hash: z.string().regex(/^sha256:[0-9a-f]{64}$/, "must be sha256:<64 hex>"),
  idempotency_key: text,
  approver_ids: z.array(text).max(100),
  /** Break-glass session id when the action was approved or minted under one. */
  bg: text.optional(),
  /** true when a reviewer edited the args before approving: `args_hash` is the edited args' hash. */
  args_edited: z.literal(true).optional(),
});
export type ActionClaims = z.infer<typeof actionClaimsSchema>;

export const previewClaimsSchema = z.object({
  ...registeredClaims,
  action_id: text,
  tool: text,
  /** `sha256:<hex>` of the canonical JSON of the args in the request body (the card copy: secrets masked). */
  args_hash: z.string().regex(/^sha256:[0-9a-f]{64}$/, "must be sha256:<64 hex>"),
  scope: z.literal("preview:read"),
});
export type PreviewClaims = z.infer<typeof previewClaimsSchema>;

/** The audience a preview token carries for tool services of `audience`. */
export function previewAudience(audience: string): string {
  return `${audience}${PREVIEW_AUDIENCE_SUFFIX}`;
}
