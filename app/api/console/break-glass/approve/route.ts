// POST /api/console/break-glass/approve — approve a pending action alone under your open session
import { z } from "zod";
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { BREAK_GLASS_ROLES } from "@/lib/break-glass/roles";
import { voteOnAction } from "@/lib/actions/vote-on-action";

const body = z.strictObject({ session_id: z.string().min(1).max(100), action_id: z.string().min(1).max(100), comment: z.string().max(2000).optional() });

export const POST = consoleHandler(BREAK_GLASS_ROLES, async (req, { user, requestId }) => {
  const input = await parseBody(req, body);
  // voteOnAction checks that the session is open and this user's, and audits it with the session id.
  const result = await voteOnAction({ actionId: input.action_id, userId: user.id, vote: "approve", comment: input.comment, breakGlassSessionId: input.session_id, requestId });
  return json(result);
});
