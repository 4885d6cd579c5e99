// POST /api/console/audit/verify — walk the hash chain in batches; ok with a count, or the first bad sequence
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { pageRoles } from "@/components/console/nav-items";
import { verifyStoredChain } from "@/lib/audit/verify-stored-chain";

export const POST = consoleHandler(pageRoles("/audit"), async () => json(await verifyStoredChain()));
