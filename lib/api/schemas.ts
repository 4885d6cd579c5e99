import { z } from "zod";
import { buildApiSchemas } from "@gatehouse-dev/sdk";
import { hasSecret } from "@/lib/redact/redact";

/**
 * The agent API's request and response shapes, defined once in the SDK package
 * (packages/sdk/src/api-schemas.ts): handlers parse with them and
 * lib/api/openapi.ts renders them into the OpenAPI document.
 *
 * An agent-chosen name or key that Gatehouse stores and audits verbatim (tool, route,
 * idempotency key, callback URL): masking it would change what it identifies, so one
 * that carries a secret is refused (422) before anything is written.
 */
const noSecret = <S extends z.ZodString>(s: S): S => s.refine((v) => !hasSecret(v), { message: "must not contain a secret (a key, token or password)" }) as unknown as S;

export const {
  errorEnvelope,
  deniedError,
  redeemReceipt,
  revocationFeed,
  jwks,
  webhookPayload,
  toolsQuery,
  grantedToolView,
  toolsView,
  startRunInput,
  budgetsView,
  runView,
  proposeActionInput,
  actionStatus,
  actionView,
  deniedView,
  waitQuery,
  reportResultInput,
  redeemInput,
  errorView,
} = buildApiSchemas(noSecret);
export type { StartRunInput, ProposeActionInput, ActionStatus, ActionView } from "@gatehouse-dev/sdk";
export { SCOPE_FIELDS } from "@gatehouse-dev/sdk";
