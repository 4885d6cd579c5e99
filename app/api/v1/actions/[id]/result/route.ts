import { postResult } from "@/lib/api/v1/actions";

// POST /api/v1/actions/{id}/result — report the tool call's outcome
export const POST = postResult;
