// POST /api/slack/commands — the `/gatehouse link <code>` slash command, verified by Slack's v0 signature
import { handler, json } from "@/lib/http/handler";
import { readFormBody } from "@/lib/http/parse-body";
import { handleSlackCommand } from "@/lib/slack/interactions";

export const POST = handler<Record<string, string>, Request>(async (req) => {
  const answer = await handleSlackCommand(await readFormBody(req), req.headers);
  return json(answer.body, answer.status);
});
