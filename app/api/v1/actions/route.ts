import { postAction } from "@/lib/api/v1/actions";

// POST /api/v1/actions — propose a tool call
export const POST = postAction;
