import { postRun } from "@/lib/api/v1/runs";

// POST /api/v1/runs — start a run on a route
export const POST = postRun;
