import "server-only";
import { z } from "zod";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { redeemActionToken } from "@/lib/tokens/redeem-token";

const redeemBody = z.strictObject({
  token: z.string().min(1).max(4096),
  tool: z.string().min(1).max(200),
  args: z.record(z.string(), z.unknown()),
});

// POST /api/v1/tokens/redeem — a tool service redeems an action token once; the token itself authenticates the caller, no agent key
export const postRedeem = handler(async (req, { requestId, json }) => json(await redeemActionToken(await parseBody(req, redeemBody), { requestId })));
