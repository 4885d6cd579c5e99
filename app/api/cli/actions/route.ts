// GET /api/cli/actions?<queue filters> — the pending queue in the token's tenant scopes (API token, actions:read)
import { tokenHandler } from "@/lib/http/token-guard";
import { json } from "@/lib/http/handler";
import { parseActionFilters, parseQueuePage } from "@/lib/approvals/schemas";
import { listQueue } from "@/lib/approvals/list-queue";

export const GET = tokenHandler("actions:read", async (req, { user }) => {
  const params = new URL(req.url).searchParams;
  return json(await listQueue(parseActionFilters(params), user, parseQueuePage(params)));
});
