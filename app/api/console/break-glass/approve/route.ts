// POST /api/console/break-glass/approve — approve a pending action alone under your open session
import { z } from "zod";
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { readJson } from "@/lib/http/read-json";
import { AppError, zodIssues } from "@/lib/errors";
import { BREAK_GLASS_ROLES } from "@/lib/break-glass/roles";
import { voteOnAction } from "@/lib/actions/vote-on-action";

const body = z.strictObject({ session_id: z.string().min(1).max(100), action_id: z.string().min(1).max(100), comment: z.string().max(2000).optional() });

export const POST = consoleHandler(BREAK_GLASS_ROLES, async (req, { user, requestId }) => {
  const parsed = body.safeParse(await readJson(req));
  if (!parsed.success) throw new AppError("validation_failed", "The request body is invalid.", { issues: zodIssues(parsed.error.issues) });
  const input = parsed.data;
  // voteOnAction checks that the session is open and this user's, and audits it with the session id.
  const result = await voteOnAction({ actionId: input.action_id, userId: user.id, vote: "approve", comment: input.comment, breakGlassSessionId: input.session_id, requestId });
  return json(result);
});
