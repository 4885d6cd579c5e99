// POST /api/slack/interactions — a Slack button click, verified by Slack's v0 signature (no session, no agent key)
import { handler, json } from "@/lib/http/handler";
import { readFormBody } from "@/lib/http/parse-body";
import { handleSlackInteraction } from "@/lib/slack/interactions";

export const POST = handler<Record<string, string>, Request>(async (req, { requestId }) => {
  const raw = await readFormBody(req);
  const answer = await handleSlackInteraction(raw, req.headers, requestId);
  return json(answer.body, answer.status);
});
