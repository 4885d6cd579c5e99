// POST /api/v1/actions/{id}/cancel — withdraw a pending action
export { postCancel as POST } from "@/lib/api/v1/actions";
