// POST /api/v1/actions/{id}/result — report the tool call's outcome
export { postResult as POST } from "@/lib/api/v1/actions";
