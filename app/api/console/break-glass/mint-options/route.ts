// GET /api/console/break-glass/mint-options?q= — the active runs (the newest 200 matching q, with agent names, and how many match) and the catalog tools the mint form offers
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { BREAK_GLASS_ROLES } from "@/lib/break-glass/roles";
import { parseActionFilters } from "@/lib/approvals/schemas";
import { listMintOptions } from "@/lib/break-glass/mint-options";

/** `q` is the queue's search text (trimmed, at most 200 characters; longer is a 422). */
export const GET = consoleHandler(BREAK_GLASS_ROLES, async (req) => json(await listMintOptions(parseActionFilters(new URL(req.url).searchParams).q)));
