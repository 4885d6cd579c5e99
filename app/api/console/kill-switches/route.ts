// GET /api/console/kill-switches — every switch; POST — flip one (admin, or on-call under an open break-glass session)
import { scopedConsoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { KILL_SWITCH_ROLES } from "@/lib/break-glass/roles";
import { listKillSwitches } from "@/lib/kill-switches/set-kill-switch";
import { flipKillSwitch, flipKillSwitchBody } from "@/lib/kill-switches/flip-kill-switch";

export const GET = scopedConsoleHandler(KILL_SWITCH_ROLES, async (_req, { user }) => json({ kill_switches: await listKillSwitches(user) }));

export const POST = scopedConsoleHandler(KILL_SWITCH_ROLES, async (req, { user, requestId }) =>
  json(await flipKillSwitch(user, await parseBody(req, flipKillSwitchBody), { requestId })),
);
