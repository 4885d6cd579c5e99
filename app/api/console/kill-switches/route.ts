// GET /api/console/kill-switches — every switch; POST — flip one (admin, or on-call under an open break-glass session)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { KILL_SWITCH_ROLES } from "@/lib/break-glass/roles";
import { listKillSwitches } from "@/lib/kill-switches/set-kill-switch";
import { flipKillSwitch, flipKillSwitchBody } from "@/lib/kill-switches/flip-kill-switch";

export const GET = consoleHandler(KILL_SWITCH_ROLES, async () => json({ kill_switches: await listKillSwitches() }));

export const POST = consoleHandler(KILL_SWITCH_ROLES, async (req, { user, requestId }) =>
  json(await flipKillSwitch(user, await parseBody(req, flipKillSwitchBody), { requestId })),
);
