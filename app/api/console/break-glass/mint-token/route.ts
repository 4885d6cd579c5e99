// POST /api/console/break-glass/mint-token — one action token for one run, tool and args; answers only the action id
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { readJson } from "@/lib/http/parse-body";
import { BREAK_GLASS_ROLES } from "@/lib/break-glass/roles";
import { mintBreakGlassToken } from "@/lib/break-glass/mint-break-glass-token";

export const POST = consoleHandler(BREAK_GLASS_ROLES, async (req, { user, requestId }) => json(await mintBreakGlassToken(user.id, await readJson(req), { requestId }), 201));
