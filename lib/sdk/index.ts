/** The Gatehouse TypeScript SDK: re-exports only. */
export { argsHash, canonicalJson } from "@/lib/sdk/args-hash";
export {
  ACTION_TOKEN_TYP,
  MAX_TOKEN_TTL_SECONDS,
  PREVIEW_TOKEN_TYP,
  RUN_TOKEN_TYP,
  TOKEN_ALG,
  actionClaimsSchema,
  previewAudience,
  previewClaimsSchema,
  runClaimsSchema,
  type ActionClaims,
  type PreviewClaims,
  type RunClaims,
} from "@/lib/sdk/token-claims";
export {
  CapabilityError,
  verifyActionToken,
  verifyPreviewToken,
  verifyRunToken,
  type CapabilityErrorCode,
  type JwksSource,
  type VerifyActionOptions,
  type VerifyPreviewOptions,
  type VerifyRunOptions,
} from "@/lib/sdk/verify-capability";
export { createRevocationCache, type RevocationCache, type RevocationOptions } from "@/lib/sdk/revocation-cache";
export { createToolService, RedeemError, type RedeemReceipt, type ToolService, type ToolServiceOptions } from "@/lib/sdk/tool-service";
export { GatehouseAgent, GatehouseError, type AgentClientOptions, type Proposal, type RunInfo } from "@/lib/sdk/agent-client";
export { verifyCallback, type CallbackPayload } from "@/lib/sdk/verify-callback";
export { decide, type Decision, type DecisionInput } from "@/lib/policy/decide";
export { policy, policyTester, type BundleLike, type RoutePolicyTester } from "@/lib/sdk/policy-test";
