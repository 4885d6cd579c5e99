import { postCancel } from "@/lib/api/v1/actions";

// POST /api/v1/actions/{id}/cancel — withdraw a pending action
export const POST = postCancel;
