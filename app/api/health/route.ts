// GET /api/health — liveness: the process answers
import { handler, json } from "@/lib/http/handler";

export const GET = handler(async () => json({ status: "ok" }));
