/** The Gatehouse TypeScript SDK (Node 20+): re-exports only. The WebCrypto-only path is `@gatehouse-dev/sdk/edge`. */
export { argsHash, canonicalJson } from "./args-hash";
export {
  ACTION_TOKEN_TYP,
  MAX_TOKEN_TTL_SECONDS,
  PREVIEW_TOKEN_TTL_SECONDS,
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
} from "./token-claims";
export {
  CapabilityError,
  mapJoseError,
  verifyActionToken,
  verifyActionTokenUnscoped,
  verifyPreviewToken,
  verifyRunToken,
  type CapabilityErrorCode,
  type JwksSource,
  type VerifyActionOptions,
  type VerifyPreviewOptions,
  type VerifyRunOptions,
} from "./verify-capability";
export { createRevocationCache, type RevocationCache, type RevocationOptions } from "./revocation-cache";
export { createToolService, RedeemError, type RedeemReceipt, type ToolService, type ToolServiceOptions } from "./tool-service";
export { GatehouseAgent, GatehouseError, type AgentClientOptions, type Proposal, type RunInfo } from "./agent-client";
export { verifyCallback, type CallbackPayload } from "./verify-callback";
export { decide, type Decision, type DecisionInput } from "./policy/decide";
export { policy, policyTester, type BundleLike, type RoutePolicyTester } from "./policy-test";
export {
  apiSchemas,
  buildApiSchemas,
  SCOPE_FIELDS,
  type ActionStatus,
  type ActionView,
  type DeniedView,
  type ErrorView,
  type ErrorEnvelope,
  type DeniedError,
  type RedeemReceiptView,
  type WebhookPayload,
  type GrantedToolView,
  type ToolsView,
  type ProposeActionInput,
  type RedeemInput,
  type ReportResultInput,
  type RunView,
  type StartRunInput,
} from "./api-schemas";
