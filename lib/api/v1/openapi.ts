import "server-only";
import { handler, json } from "@/lib/http/handler";
import { buildOpenApi } from "@/lib/api/openapi";

// GET /api/v1/openapi.json — the agent API's OpenAPI 3.1 document
export const getOpenApi = handler(async () => json(buildOpenApi()));
