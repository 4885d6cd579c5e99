// POST /api/v1/runs — start a run on a route
export { postRun as POST } from "@/lib/api/v1/runs";
