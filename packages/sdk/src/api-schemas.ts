import { z } from "zod";

/**
 * The agent API's request and response shapes, defined once: Gatehouse parses
 * with them (adding its secret check on stored names through `noSecret`) and
 * renders them into the OpenAPI document; the SDK's types are inferred from them.
 */
const id = z.string().min(1).max(100);

/** A refinement the server adds to agent-chosen names it stores verbatim; identity in the SDK. */
export function buildApiSchemas(noSecret: <S extends z.ZodString>(s: S) => S = (s) => s) {
  const startRunInput = z.object({ route: noSecret(z.string().min(1).max(100)).describe("Route name, e.g. support/draft") }).strict();

  const budgetsView = z.object({
    steps: z.object({ max: z.number(), used: z.number() }),
    seconds: z.object({ max: z.number(), expires_at: z.string() }),
    usd: z.object({ max: z.number(), used: z.number() }),
  });

  const runView = z.object({
    run_id: z.string(),
    route: z.string(),
    tenant: z.string(),
    env: z.string(),
    budgets: budgetsView,
    run_token: z.string().describe("Capability token for the route's allowed read tools; ≤ 5 minutes"),
    run_token_expires_at: z.string(),
    tools: z.array(z.string()),
  });

  const proposeActionInput = z
    .object({
      run_id: id,
      tool: noSecret(z.string().min(1).max(100)),
      args: z.record(z.string(), z.unknown()).describe("Tool arguments; validated against the tool's JSON schema. Stored redacted."),
      idempotency_key: noSecret(z.string().min(1).max(200)),
      reason: z.string().max(2000).optional().describe("The agent's reason. Untrusted; stored redacted, shown to reviewers as inert text."),
      preview: z
        .object({ before: z.unknown().optional(), after: z.unknown().optional() })
        .strict()
        .optional()
        .describe("Optional before/after preview for reviewers. Untrusted; stored redacted."),
      callback_url: noSecret(z.string().max(2048)).optional(),
      on_behalf_of: z
        .email()
        .max(200)
        .transform((e) => e.toLowerCase())
        .optional()
        .describe("E-mail of the human this run acts for; that human cannot approve. A plain address: no display names or invisible characters."),
      cost_usd: z.number().min(0).max(1000).optional(),
    })
    .strict();

  const actionStatus = z.enum(["allowed", "pending", "approved", "rejected", "expired", "cancelled", "denied"]);

  const actionView = z.object({
    action_id: z.string(),
    run_id: z.string(),
    status: actionStatus,
    reason_code: z.string(),
    message: z.string().optional(),
    tool: z.string(),
    route: z.string(),
    args_hash: z.string(),
    idempotency_key: z.string(),
    approvals: z.object({ required: z.number(), received: z.number() }),
    expires_at: z
      .string()
      .nullable()
      .describe(
        "Pending: when it expires undecided. Allowed or approved and not yet used: the end of the approval's validity window (within it a fetch re-mints an expired token; after it the status reads expired, reason approval_expired).",
      ),
    decided_at: z.string().nullable(),
    reject_reason: z.string().nullable(),
    token: z.string().optional().describe("Action token; only to the proposing credential, until redeemed or expired"),
    token_expires_at: z.string().optional(),
    args_edited: z
      .literal(true)
      .optional()
      .describe("A reviewer edited the args before approving: call the tool with `args` (the token is bound to them, not to what you proposed)"),
    args: z.record(z.string(), z.unknown()).optional().describe("The final args after a reviewer's edit; only to the proposing credential"),
    redeemed: z.boolean(),
    result: z.object({ status: z.string(), duration_ms: z.number().nullable() }).nullable(),
  });

  const deniedView = z.object({
    status: z.literal("denied"),
    reason_code: z.string(),
    message: z.string(),
    request_id: z.string(),
  });

  const waitQuery = z.object({ wait: z.coerce.number().int().min(0).max(55).optional() });

  const reportResultInput = z
    .object({
      status: z.enum(["ok", "error"]),
      duration_ms: z.number().int().min(0).max(86_400_000),
      error: z.string().max(2000).optional().describe("Stored redacted."),
    })
    .strict();

  const redeemInput = z.object({ token: z.string().min(1).max(4096), tool: z.string().min(1).max(100), args: z.record(z.string(), z.unknown()) }).strict();

  const errorView = z.object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      request_id: z.string(),
      reason: z.string().optional(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  });
  const toolsQuery = z.object({ run_id: id.optional().describe("A run of this credential: only its route's tools") }).strict();

  const grantedToolView = z.object({
    name: z.string(),
    kind: z.enum(["read", "write", "destructive"]),
    description: z.string(),
    args_schema: z.record(z.string(), z.unknown()).describe("JSON Schema of the tool's arguments"),
    summary_template: z.string(),
    decision: z
      .discriminatedUnion("outcome", [z.object({ outcome: z.literal("allowed") }), z.object({ outcome: z.literal("approval_required"), approvals: z.number().int().min(1) })])
      .describe("What a call gets when its arguments match none of the route's conditions; a condition can still deny or require approval"),
  });

  const toolsView = z.object({
    routes: z
      .array(z.object({ route: z.string(), tools: z.array(grantedToolView) }))
      .describe("Each route the credential holds (or the run's route), with only the tools it grants"),
  });

  const errorBody = z
    .object({
      code: z
        .string()
        .describe("Machine-readable: bad_json, unauthenticated, denied, forbidden, not_found, conflict, payload_too_large, validation_failed, rate_limited, unavailable, …"),
      message: z.string(),
      request_id: z.string(),
      reason: z.string().optional().describe("A finer reason code (a denial's reason, a redeem refusal's reason)"),
      issues: z
        .array(z.object({ path: z.string(), message: z.string() }))
        .optional()
        .describe("Field problems of a 422"),
      status: z.literal("denied").optional().describe("Present on a policy denial"),
    })
    .catchall(z.unknown());
  /** The one error envelope every 4xx and 5xx carries. */
  const errorEnvelope = z.object({ error: errorBody });
  /** A policy denial as sent: 403, code "denied", the reason code in `reason`. */
  const deniedError = z.object({
    error: errorBody.extend({
      code: z.literal("denied"),
      status: z.literal("denied"),
      reason: z.string().describe("The reason code: tool_denied, tool_not_allowed, route_not_permitted, budget_steps, …"),
    }),
  });
  const redeemReceipt = z.object({ action_id: z.string(), tenant: z.string(), env: z.string(), tool: z.string(), args_hash: z.string(), redeemed_at: z.string() });
  const revocationFeed = z.object({
    revoked: z.array(z.object({ jti: z.string(), kind: z.string(), exp: z.number().int(), reason: z.string() })),
    generated_at: z.string(),
    poll_seconds: z.number(),
    complete: z.boolean().describe("false when the list was cut at its limit: a verifier must then fail closed"),
  });
  const jwks = z.object({
    keys: z.array(
      z
        .object({ kty: z.literal("OKP"), crv: z.literal("Ed25519"), x: z.string(), kid: z.string(), alg: z.literal("EdDSA").optional(), use: z.literal("sig").optional() })
        .catchall(z.unknown()),
    ),
  });
  const webhookPayload = z.object({
    type: z.string().describe("action.<status>, action.args_edited, or a console event (policy.changed, kill_switch.changed, …)"),
    timestamp: z.string(),
    data: z.record(z.string(), z.unknown()).describe("The event's detail; never a token or secret"),
  });

  return {
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
  };
}

/** The shapes without the server's secret check: what the wire carries. */
export const apiSchemas = buildApiSchemas();

export type StartRunInput = z.infer<typeof apiSchemas.startRunInput>;
export type RunView = z.infer<typeof apiSchemas.runView>;
export type ProposeActionInput = z.infer<typeof apiSchemas.proposeActionInput>;
export type ActionStatus = z.infer<typeof apiSchemas.actionStatus>;
export type ActionView = z.infer<typeof apiSchemas.actionView>;
export type DeniedView = z.infer<typeof apiSchemas.deniedView>;
export type ReportResultInput = z.infer<typeof apiSchemas.reportResultInput>;
export type RedeemInput = z.infer<typeof apiSchemas.redeemInput>;
export type GrantedToolView = z.infer<typeof apiSchemas.grantedToolView>;
export type ToolsView = z.infer<typeof apiSchemas.toolsView>;
export type ErrorEnvelope = z.infer<typeof apiSchemas.errorEnvelope>;
export type DeniedError = z.infer<typeof apiSchemas.deniedError>;
export type RedeemReceiptView = z.infer<typeof apiSchemas.redeemReceipt>;
export type WebhookPayload = z.infer<typeof apiSchemas.webhookPayload>;
export type ErrorView = z.infer<typeof apiSchemas.errorView>;

/** Fields an agent may never set: scope comes from the credential. */
export const SCOPE_FIELDS = ["tenant", "tenant_id", "tenantId", "env", "environment"] as const;
