// GET /api/console/slack-link — the signed-in user's Slack link; POST — a one-time code to send from Slack; DELETE — unlink (any signed-in user, own account)
import { scopedConsoleHandler } from "@/lib/http/console-guard";
import { ANY_ROLE } from "@/lib/auth/roles";
import { json } from "@/lib/http/handler";
import { createLinkCode, slackLinkOf, unlinkSlack } from "@/lib/slack/link";

export const GET = scopedConsoleHandler(ANY_ROLE, async (_req, { user }) => json({ link: await slackLinkOf(user.id) }));

export const POST = scopedConsoleHandler(ANY_ROLE, async (_req, { user, requestId }) => json(await createLinkCode({ actorId: user.id, requestId }), 201));

export const DELETE = scopedConsoleHandler(ANY_ROLE, async (_req, { user, requestId }) => {
  await unlinkSlack({ actorId: user.id, requestId });
  return json({ ok: true });
});
