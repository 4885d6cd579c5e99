import "server-only";
import { defineRoute, type RouteEntry } from "@/lib/http/node-adapter";
import { postRun, postRunToken } from "@/lib/api/v1/runs";
import { postAction, getAction, postCancel, postResult } from "@/lib/api/v1/actions";
import { getRevocations, postRedeem } from "@/lib/api/v1/tokens";
import { getJwks } from "@/lib/api/v1/jwks";
import { getOpenApi } from "@/lib/api/v1/openapi";
import { getTools } from "@/lib/api/v1/tools";

/**
 * Every agent-facing endpoint, for the bare node:http server; app/api/v1/** and
 * app/.well-known re-export the same handlers for Next.js. A route missing here
 * would still work, through Next.js at ~10x the CPU: test/agent-route-table.test.ts
 * fails on any difference between this table and those route files.
 */
export const agentRoutes: RouteEntry[] = [
  defineRoute("POST", "/api/v1/runs", postRun),
  defineRoute("POST", "/api/v1/runs/[id]/token", postRunToken),
  defineRoute("POST", "/api/v1/actions", postAction),
  defineRoute("GET", "/api/v1/actions/[id]", getAction),
  defineRoute("POST", "/api/v1/actions/[id]/cancel", postCancel),
  defineRoute("POST", "/api/v1/actions/[id]/result", postResult),
  defineRoute("GET", "/api/v1/tools", getTools),
  defineRoute("POST", "/api/v1/tokens/redeem", postRedeem),
  defineRoute("GET", "/api/v1/tokens/revocations", getRevocations),
  defineRoute("GET", "/.well-known/jwks.json", getJwks),
  defineRoute("GET", "/api/v1/openapi.json", getOpenApi),
];
