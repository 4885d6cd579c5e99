import { getAction } from "@/lib/api/v1/actions";

// GET /api/v1/actions/{id}?wait=N — poll or long-poll an action
export const GET = getAction;
