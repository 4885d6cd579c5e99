// GET /api/v1/openapi.json — the agent API's OpenAPI 3.1 document
export { getOpenApi as GET } from "@/lib/api/v1/openapi";
