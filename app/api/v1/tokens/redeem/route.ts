// POST /api/v1/tokens/redeem — a tool service redeems an action token once
import { z } from "zod";
import { handler } from "@/lib/http/handler";
import { readJson } from "@/lib/http/read-json";
import { AppError, zodIssues } from "@/lib/errors";
import { redeemActionToken } from "@/lib/tokens/redeem-token";

const redeemBody = z.strictObject({
  token: z.string().min(1).max(4096),
  tool: z.string().min(1).max(200),
  args: z.record(z.string(), z.unknown()),
});

/** The caller is authenticated by the token itself; no agent key is needed. */
export const POST = handler(async (req, { requestId, json }) => {
  const parsed = redeemBody.safeParse(await readJson(req));
  if (!parsed.success) {
    throw new AppError("validation_failed", "The request body is invalid.", { issues: zodIssues(parsed.error.issues) });
  }
  return json(await redeemActionToken(parsed.data, { requestId }));
});
