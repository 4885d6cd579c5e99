// GET /api/v1/actions/{id}?wait=N — poll or long-poll an action
export { getAction as GET } from "@/lib/api/v1/actions";
