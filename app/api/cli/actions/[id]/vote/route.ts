// POST /api/cli/actions/{id}/vote — approve or reject a single-approval, non-destructive action (API token, actions:vote; never counts toward a two-person rule)
import { z } from "zod";
import { tokenHandler } from "@/lib/http/token-guard";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { castTokenVote } from "@/lib/approvals/token-vote";

const body = z.strictObject({ vote: z.enum(["approve", "reject"]), comment: z.string().max(2000).optional(), reason: z.string().max(2000).optional() });

export const POST = tokenHandler<{ id: string }>("actions:vote", async (req, { params, user, requestId }) => {
  const b = await parseBody(req, body, { invalid: "The vote is invalid." });
  return json(await castTokenVote({ actionId: params.id, user, vote: b.vote, comment: b.comment?.trim() || undefined, rejectReason: b.reason, requestId }));
});
