import { z } from "zod";
import { actionView, deniedView, errorView, proposeActionInput, redeemInput, reportResultInput, runView, startRunInput } from "@/lib/api/schemas";

const schema = (s: z.ZodType) => z.toJSONSchema(s, { target: "draft-2020-12", unrepresentable: "any" });

const body = (s: z.ZodType) => ({ required: true, content: { "application/json": { schema: schema(s) } } });
const reply = (description: string, s: z.ZodType) => ({ description, content: { "application/json": { schema: schema(s) } } });
const err = (description: string) => reply(description, errorView);
const idParam = { name: "id", in: "path", required: true, schema: { type: "string" } };

const common = {
  "400": err("Malformed JSON, or the body tries to set tenant or environment"),
  "401": err("Unknown, malformed or revoked agent key"),
  "413": err("Body over 64 KB"),
  "422": err("Schema violation, with field paths"),
  "500": err("Internal error, with a request id"),
};

/** The OpenAPI 3.1 document, rendered from the same zod schemas the handlers parse with. */
export function buildOpenApi(serverUrl?: string) {
  return {
    openapi: "3.1.0",
    info: {
      title: "Gatehouse agent API",
      version: "1",
      description:
        "Agents propose tool calls; Gatehouse decides (deny by default); humans approve writes; agents receive short-lived capability tokens. Tenant and environment always come from the agent credential.",
    },
    servers: serverUrl ? [{ url: serverUrl }] : [],
    components: { securitySchemes: { agentKey: { type: "http", scheme: "bearer", description: "Agent API key (gh_…)" } } },
    security: [{ agentKey: [] }],
    paths: {
      "/api/v1/runs": {
        post: {
          summary: "Start a run on a route",
          requestBody: body(startRunInput),
          responses: { "201": reply("The run, its budgets and a run token", runView), "403": reply("Denied, with a reason code", deniedView), ...common },
        },
      },
      "/api/v1/runs/{id}/token": {
        post: {
          summary: "Refresh the run token within the run's budgets",
          parameters: [idParam],
          responses: { "200": reply("A fresh run token", runView), "403": reply("Budget used up", deniedView), "404": err("No such run"), ...common },
        },
      },
      "/api/v1/actions": {
        post: {
          summary: "Propose a tool call",
          requestBody: body(proposeActionInput),
          responses: {
            "200": reply("Allowed (with an action token), or an idempotent replay", actionView),
            "202": reply("Pending human approval", actionView),
            "403": reply("Denied, with a machine-readable reason code", deniedView),
            "404": err("No such run"),
            ...common,
          },
        },
      },
      "/api/v1/actions/{id}": {
        get: {
          summary: "Poll an action; ?wait=N long-polls up to N ≤ 55 seconds",
          parameters: [idParam, { name: "wait", in: "query", required: false, schema: { type: "integer", minimum: 0, maximum: 55 } }],
          responses: { "200": reply("The action", actionView), "404": err("No such action in this tenant and environment"), ...common },
        },
      },
      "/api/v1/actions/{id}/cancel": {
        post: {
          summary: "Cancel a pending action, or an allowed/approved one whose token is unredeemed (the token is revoked)",
          parameters: [idParam],
          responses: { "200": reply("The cancelled action", actionView), "404": err("No such action"), "409": err("Already final or redeemed"), ...common },
        },
      },
      "/api/v1/actions/{id}/result": {
        post: {
          summary: "Report the tool call's outcome",
          parameters: [idParam],
          requestBody: body(reportResultInput),
          responses: { "201": { description: "Recorded" }, "404": err("No such action"), "409": err("Already reported or never allowed"), ...common },
        },
      },
      "/api/v1/tokens/redeem": {
        post: {
          summary: "A tool service redeems an action token, once",
          security: [],
          requestBody: body(redeemInput),
          responses: {
            "200": { description: "Redeemed" },
            "403": err("Invalid, expired, args do not match, or stopped by a control (kill_switch, credential_revoked, run_ended, circuit_open)"),
            "409": err("Already redeemed, or the action was cancelled (action_cancelled)"),
            "429": err("Too many refusals from this address, or presentations of this token, in a minute"),
            ...common,
          },
        },
      },
      "/api/v1/tokens/revocations": {
        get: {
          summary: "Live tokens a control stops now (jti, kind, exp, reason): for offline verifiers; the SDK polls it",
          security: [],
          responses: { "200": { description: "{ revoked: [{ jti, kind, exp, reason }], generated_at, poll_seconds, complete }" } },
        },
      },
      "/.well-known/jwks.json": {
        get: { summary: "Public signing keys (EdDSA) for offline verification", security: [], responses: { "200": { description: "JWKS" } } },
      },
    },
  };
}
