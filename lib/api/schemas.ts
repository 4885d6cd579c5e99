import { z } from "zod";
import { hasSecret } from "@/lib/redact/redact";

/**
 * The agent API's request and response shapes, defined once: handlers parse
 * with them and lib/api/openapi.ts renders them into the OpenAPI document.
 */
const id = z.string().min(1).max(100);

/**
 * An agent-chosen name or key that Gatehouse stores and audits verbatim (tool, route,
 * idempotency key, callback URL): masking it would change what it identifies, so one
 * that carries a secret is refused (422) before anything is written.
 */
const noSecret = <S extends z.ZodString>(s: S) => s.refine((v) => !hasSecret(v), { message: "must not contain a secret (a key, token or password)" });

export const startRunInput = z.object({ route: noSecret(z.string().min(1).max(100)).describe("Route name, e.g. support/draft") }).strict();
export type StartRunInput = z.infer<typeof startRunInput>;

export const budgetsView = z.object({
  steps: z.object({ max: z.number(), used: z.number() }),
  seconds: z.object({ max: z.number(), expires_at: z.string() }),
  usd: z.object({ max: z.number(), used: z.number() }),
});

export const runView = z.object({
  run_id: z.string(),
  route: z.string(),
  tenant: z.string(),
  env: z.string(),
  budgets: budgetsView,
  run_token: z.string().describe("Capability token for the route's allowed read tools; ≤ 5 minutes"),
  run_token_expires_at: z.string(),
  tools: z.array(z.string()),
});

export const proposeActionInput = z
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
export type ProposeActionInput = z.infer<typeof proposeActionInput>;

export const actionStatus = z.enum(["allowed", "pending", "approved", "rejected", "expired", "cancelled", "denied"]);
export type ActionStatus = z.infer<typeof actionStatus>;

export const actionView = z.object({
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
  args_edited: z.literal(true).optional().describe("A reviewer edited the args before approving: call the tool with `args` (the token is bound to them, not to what you proposed)"),
  args: z.record(z.string(), z.unknown()).optional().describe("The final args after a reviewer's edit; only to the proposing credential"),
  redeemed: z.boolean(),
  result: z.object({ status: z.string(), duration_ms: z.number().nullable() }).nullable(),
});
export type ActionView = z.infer<typeof actionView>;

export const deniedView = z.object({
  status: z.literal("denied"),
  reason_code: z.string(),
  message: z.string(),
  request_id: z.string(),
});

export const waitQuery = z.object({ wait: z.coerce.number().int().min(0).max(55).optional() });

export const reportResultInput = z
  .object({
    status: z.enum(["ok", "error"]),
    duration_ms: z.number().int().min(0).max(86_400_000),
    error: z.string().max(2000).optional().describe("Stored redacted."),
  })
  .strict();

export const redeemInput = z.object({ token: z.string().min(1).max(4096), tool: z.string().min(1).max(100), args: z.record(z.string(), z.unknown()) }).strict();

export const errorView = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    request_id: z.string(),
    reason: z.string().optional(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

/** Fields an agent may never set: scope comes from the credential. */
export const SCOPE_FIELDS = ["tenant", "tenant_id", "tenantId", "env", "environment"] as const;
