/**
 * The WebCrypto-only entry of the SDK: token verification, the args hash and
 * the callback check with no node:* import (edge runtimes, workers, Deno, Bun).
 */
import { argsHashWeb } from "./args-hash-web";
import { createVerifiers } from "./verify-core";
import { verifyEd25519JwsWeb } from "./verify-jws-web";

export { argsHashWeb as argsHash } from "./args-hash-web";
export { canonicalJson } from "./canonical-json";
export { CapabilityError, type CapabilityErrorCode } from "./capability-error";
export { mapJoseError, type JwksSource, type VerifyActionOptions, type VerifyPreviewOptions, type VerifyRunOptions } from "./verify-core";
export { verifyCallback, type CallbackPayload } from "./verify-callback";
export * from "./token-claims";

const web = createVerifiers({ verifyJws: verifyEd25519JwsWeb, argsHash: argsHashWeb });
export const verifyActionToken = web.verifyActionToken;
export const verifyRunToken = web.verifyRunToken;
export const verifyPreviewToken = web.verifyPreviewToken;
