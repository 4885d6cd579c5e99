import "server-only";
import { z } from "zod";
import { handler, json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { clientIp } from "@/lib/auth/rate-limit";
import { redeemActionToken } from "@/lib/tokens/redeem-token";
import { revocationFeed } from "@/lib/tokens/revocation-feed";

const redeemBody = z.strictObject({
  token: z.string().min(1).max(4096),
  tool: z.string().min(1).max(200),
  args: z.record(z.string(), z.unknown()),
});

// POST /api/v1/tokens/redeem — a tool service redeems an action token once; the token itself authenticates the caller, no agent key
export const postRedeem = handler(async (req, { requestId, json }) =>
  json(await redeemActionToken(await parseBody(req, redeemBody), { requestId, source: clientIp(req.headers) })),
);

// GET /api/v1/tokens/revocations — live tokens a control has stopped (jtis only; public like the JWKS), for offline verifiers
export const getRevocations = handler(async () => json(await revocationFeed(), 200, { "Cache-Control": "no-store" }));
