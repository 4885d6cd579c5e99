import type { RouteEntry } from "@/lib/http/node-adapter";
import { postRun, postRunToken } from "@/lib/api/v1/runs";
import { postAction, getAction, postCancel, postResult } from "@/lib/api/v1/actions";
import { POST as postRedeem } from "@/app/api/v1/tokens/redeem/route";
import { GET as getJwks } from "@/app/.well-known/jwks.json/route";
import { GET as getOpenApi } from "@/app/api/v1/openapi.json/route";

/** Every agent-facing endpoint, as Next.js serves them (app/api/v1/**), for the bare node:http server. */
export const agentRoutes: RouteEntry[] = [
  { method: "POST", pattern: "/api/v1/runs", handler: postRun as RouteEntry["handler"] },
  { method: "POST", pattern: "/api/v1/runs/[id]/token", handler: postRunToken as RouteEntry["handler"] },
  { method: "POST", pattern: "/api/v1/actions", handler: postAction as RouteEntry["handler"] },
  { method: "GET", pattern: "/api/v1/actions/[id]", handler: getAction as RouteEntry["handler"] },
  { method: "POST", pattern: "/api/v1/actions/[id]/cancel", handler: postCancel as RouteEntry["handler"] },
  { method: "POST", pattern: "/api/v1/actions/[id]/result", handler: postResult as RouteEntry["handler"] },
  { method: "POST", pattern: "/api/v1/tokens/redeem", handler: postRedeem as unknown as RouteEntry["handler"] },
  { method: "GET", pattern: "/.well-known/jwks.json", handler: getJwks as unknown as RouteEntry["handler"] },
  { method: "GET", pattern: "/api/v1/openapi.json", handler: getOpenApi as RouteEntry["handler"] },
];
