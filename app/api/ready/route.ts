// GET /api/ready — readiness: the database answers
import { pingDb } from "@/lib/db/client";
import { env } from "@/lib/env";
import { handler, json } from "@/lib/http/handler";

export const GET = handler(async (_req, { requestId }) => {
  const database = env().provider;
  try {
    await pingDb();
    return json({ status: "ready", database });
  } catch (err) {
    console.error(`[${requestId}] readiness check failed`, err);
    return json({ status: "unavailable", database }, 503);
  }
});
