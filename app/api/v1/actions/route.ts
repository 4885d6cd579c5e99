// POST /api/v1/actions — propose a tool call
export { postAction as POST } from "@/lib/api/v1/actions";
