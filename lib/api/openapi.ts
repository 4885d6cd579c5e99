import { z } from "zod";
import {
  actionView,
  deniedError,
  errorEnvelope,
  jwks,
  proposeActionInput,
  redeemInput,
  redeemReceipt,
  reportResultInput,
  revocationFeed,
  runView,
  startRunInput,
  toolsView,
  webhookPayload,
} from "@/lib/api/schemas";

/**
 * The OpenAPI 3.1 document, rendered from the same zod schemas the handlers parse with
 * (packages/sdk/src/api-schemas.ts): every shape is a named component, the error envelope
 * is defined once, and each response is described as it is sent (test/openapi-conformance.test.ts
 * calls every operation on a real server and validates each body against this document).
 */
const jsonSchema = (s: z.ZodType, io: "input" | "output") => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { target: "draft-2020-12", unrepresentable: "any", io }) as Record<string, unknown>;
  return rest;
};

const inputs = { StartRunInput: startRunInput, ProposeActionInput: proposeActionInput, ReportResultInput: reportResultInput, RedeemInput: redeemInput } as const;
const outputs = {
  RunView: runView,
  ActionView: actionView,
  ToolsView: toolsView,
  RedeemReceipt: redeemReceipt,
  RevocationFeed: revocationFeed,
  Jwks: jwks,
  Error: errorEnvelope,
  DeniedError: deniedError,
  WebhookPayload: webhookPayload,
} as const;
type SchemaName = keyof typeof inputs | keyof typeof outputs;

const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });
const body = (name: keyof typeof inputs) => ({ required: true, content: { "application/json": { schema: ref(name) } } });
const reply = (description: string, name: SchemaName) => ({ description, content: { "application/json": { schema: ref(name) } } });
const err = (description: string) => ({ $ref: `#/components/responses/${description}` });
const idParam = { name: "id", in: "path", required: true, schema: { type: "string" } };

/** Shared error responses, each the one envelope. */
const errorResponses = {
  BadRequest: { description: "Malformed JSON, or the body tries to set tenant or environment", content: { "application/json": { schema: ref("Error") } } },
  Unauthenticated: { description: "Missing, unknown, malformed or revoked agent key", content: { "application/json": { schema: ref("Error") } } },
  NotFound: { description: "No such resource for this credential", content: { "application/json": { schema: ref("Error") } } },
  Conflict: { description: "The state does not allow it", content: { "application/json": { schema: ref("Error") } } },
  TooLarge: { description: "Body over 64 KB", content: { "application/json": { schema: ref("Error") } } },
  Invalid: { description: "Schema violation, with field paths in issues", content: { "application/json": { schema: ref("Error") } } },
  RateLimited: { description: "Too many requests in a minute", content: { "application/json": { schema: ref("Error") } } },
  Unavailable: { description: "The store cannot record decisions right now; nothing was done; retry", content: { "application/json": { schema: ref("Error") } } },
  Denied: { description: "Denied by policy or a control, with a machine-readable reason code", content: { "application/json": { schema: ref("DeniedError") } } },
};
/** A known path with another method: 405 (no body from the Next.js route files). */
const otherMethod = { "405": { description: "Another method on this path" } };
const agentErrors = { "401": err("Unauthenticated"), "503": err("Unavailable") };
const withBody = { "400": err("BadRequest"), "413": err("TooLarge"), "422": err("Invalid") };

const callbackOp = (operationId: string, summary: string) => ({
  post: {
    operationId,
    summary,
    parameters: [
      { name: "webhook-id", in: "header", required: true, schema: { type: "string" }, description: "Stable across retries: de-duplicate on it" },
      { name: "webhook-timestamp", in: "header", required: true, schema: { type: "string" }, description: "Unix seconds; reject one more than 5 minutes off" },
      { name: "webhook-signature", in: "header", required: true, schema: { type: "string" }, description: "v1,<base64 HMAC-SHA256 of id.timestamp.body> (Standard Webhooks)" },
    ],
    requestBody: { required: true, content: { "application/json": { schema: ref("WebhookPayload") } } },
    responses: {
      "200": { description: "Any 2xx acknowledges" },
      "410": { description: "Gone: no further deliveries to this target" },
      "4XX": { description: "Refused by the receiver (a bad signature, say): retried with backoff, then marked failed" },
    },
  },
});

/** The OpenAPI 3.1 document. `serverUrl` is the public base URL (GATEHOUSE_URL). */
export function buildOpenApi(serverUrl?: string) {
  const schemas: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(inputs)) schemas[name] = jsonSchema(s, "input");
  for (const [name, s] of Object.entries(outputs)) schemas[name] = jsonSchema(s, "output");
  return {
    openapi: "3.1.0",
    info: {
      title: "Gatehouse agent API",
      version: "1",
      description:
        "Agents propose tool calls; Gatehouse decides (deny by default); humans approve writes; agents receive short-lived capability tokens. Tenant and environment always come from the agent credential. Token claims, the args hash and callback signatures: docs/SPEC.md.",
      license: { name: "MIT", identifier: "MIT" },
    },
    servers: [{ url: serverUrl ?? "/", description: "This Gatehouse (GATEHOUSE_URL); relative to where the document was fetched" }],
    components: {
      securitySchemes: { agentKey: { type: "http", scheme: "bearer", description: "Agent API key (gh_…)" } },
      schemas,
      responses: errorResponses,
    },
    security: [{ agentKey: [] }],
    paths: {
      "/api/v1/runs": {
        post: {
          operationId: "startRun",
          summary: "Start a run on a route",
          requestBody: body("StartRunInput"),
          responses: { "201": reply("The run, its budgets and a run token", "RunView"), "403": err("Denied"), ...withBody, ...agentErrors },
        },
      },
      "/api/v1/runs/{id}/token": {
        post: {
          operationId: "refreshRunToken",
          summary: "Refresh the run token within the run's budgets",
          parameters: [idParam],
          responses: { "200": reply("A fresh run token", "RunView"), "403": err("Denied"), "404": err("NotFound"), ...agentErrors },
        },
      },
      "/api/v1/tools": {
        get: {
          operationId: "listTools",
          summary: "Tool discovery: the tools this credential's routes grant, each with its args schema and whether a call is allowed or needs approval",
          parameters: [{ name: "run_id", in: "query", required: false, schema: { type: "string" }, description: "Only this run's route" }],
          responses: {
            "200": reply("Granted tools per route (never denied tools, never condition thresholds)", "ToolsView"),
            "404": err("NotFound"),
            "422": err("Invalid"),
            ...agentErrors,
          },
        },
      },
      "/api/v1/actions": {
        post: {
          operationId: "proposeAction",
          summary: "Propose a tool call",
          requestBody: body("ProposeActionInput"),
          callbacks: {
            actionChanged: { "{$request.body#/callback_url}": callbackOp("actionCallback", "The action changed state (action.<status>); fetch it for its state and token") },
          },
          responses: {
            "200": reply("Allowed (with an action token), or an idempotent replay", "ActionView"),
            "202": reply("Pending human approval", "ActionView"),
            "403": err("Denied"),
            "404": err("NotFound"),
            ...withBody,
            ...agentErrors,
          },
        },
      },
      "/api/v1/actions/{id}": {
        get: {
          operationId: "getAction",
          summary: "Poll an action; ?wait=N long-polls up to N ≤ 55 seconds",
          parameters: [idParam, { name: "wait", in: "query", required: false, schema: { type: "integer", minimum: 0, maximum: 55 } }],
          responses: { "200": reply("The action", "ActionView"), "404": err("NotFound"), "422": err("Invalid"), ...agentErrors },
        },
      },
      "/api/v1/actions/{id}/cancel": {
        post: {
          operationId: "cancelAction",
          summary: "Cancel a pending action, or an allowed/approved one whose token is unredeemed (the token is revoked)",
          parameters: [idParam],
          responses: { "200": reply("The cancelled action", "ActionView"), "404": err("NotFound"), "409": err("Conflict"), ...agentErrors },
        },
      },
      "/api/v1/actions/{id}/result": {
        post: {
          operationId: "reportResult",
          summary: "Report the tool call's outcome",
          parameters: [idParam],
          requestBody: body("ReportResultInput"),
          responses: { "201": { description: "Recorded (empty JSON object)" }, "404": err("NotFound"), "409": err("Conflict"), ...withBody, ...agentErrors },
        },
      },
      "/api/v1/tokens/redeem": {
        post: {
          operationId: "redeemToken",
          summary: "A tool service redeems an action token, once, right before executing",
          security: [],
          requestBody: body("RedeemInput"),
          responses: {
            "200": reply("Redeemed: execute now, once", "RedeemReceipt"),
            "403": { description: "Invalid, expired, args do not match, or stopped by a control (reason)", content: { "application/json": { schema: ref("Error") } } },
            "409": err("Conflict"),
            "429": err("RateLimited"),
            ...withBody,
            "503": err("Unavailable"),
          },
        },
      },
      "/api/v1/tokens/revocations": {
        get: {
          operationId: "listRevocations",
          summary: "Live tokens a control stops now: for offline verifiers; the SDK polls it",
          security: [],
          responses: { "200": reply("The revocation feed", "RevocationFeed"), "503": err("Unavailable"), ...otherMethod },
        },
      },
      "/.well-known/jwks.json": {
        get: {
          operationId: "getJwks",
          summary: "Public signing keys (EdDSA) for offline verification",
          security: [],
          responses: { "200": reply("JWKS", "Jwks"), "503": err("Unavailable"), ...otherMethod },
        },
      },
      "/api/v1/openapi.json": {
        get: {
          operationId: "getOpenApi",
          summary: "This document",
          security: [],
          responses: { "200": { description: "OpenAPI 3.1", content: { "application/json": { schema: { type: "object" } } } }, ...otherMethod },
        },
      },
    },
    webhooks: {
      consoleEvent: callbackOp(
        "consoleWebhookEvent",
        "A console webhook endpoint's subscribed event: action.pending, action.approved, action.rejected, action.expired, action.escalated, policy.changed, kill_switch.changed, break_glass.opened, break_glass.closed, breaker.opened, breaker.reset, webhook.test",
      ),
    },
  };
}
