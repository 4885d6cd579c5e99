// GET /api/console/break-glass/mint-options — the active runs (with agent names) and catalog tools the mint form offers
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { BREAK_GLASS_ROLES } from "@/lib/break-glass/roles";
import { listMintOptions } from "@/lib/break-glass/mint-options";

export const GET = consoleHandler(BREAK_GLASS_ROLES, async () => json(await listMintOptions()));
