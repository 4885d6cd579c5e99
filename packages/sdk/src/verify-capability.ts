import { argsHash as nodeArgsHash } from "./args-hash";
import { createVerifiers } from "./verify-core";
import { verifyEd25519Jws as nodeVerifyJws } from "./verify-jws";

/** The token verifiers on Node: Ed25519 and SHA-256 on node:crypto (the WebCrypto-only ones are in ./edge). */
export { CapabilityError, type CapabilityErrorCode } from "./capability-error";
export { createVerifiers, mapJoseError, type CryptoEngine, type JwksSource, type VerifyActionOptions, type VerifyPreviewOptions, type VerifyRunOptions } from "./verify-core";

const nodeVerifiers = createVerifiers({ verifyJws: nodeVerifyJws, argsHash: nodeArgsHash });
/** Verify an action token for one tool call; throws CapabilityError on any failure. */
export const verifyActionToken = nodeVerifiers.verifyActionToken;
/**
 * Every action-token check except tenant and environment. For Gatehouse
 * itself, which serves every tenant and takes the scope from the token;
 * tool services use `verifyActionToken`.
 */
export const verifyActionTokenUnscoped = nodeVerifiers.verifyActionTokenUnscoped;
/** Verify a run token for one read tool; throws CapabilityError on any failure. */
export const verifyRunToken = nodeVerifiers.verifyRunToken;
/** Verify a preview token (read-only: never authorises a tool call); throws CapabilityError on any failure. */
export const verifyPreviewToken = nodeVerifiers.verifyPreviewToken;
