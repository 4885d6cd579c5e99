// GET /api/console/actions/version — a number that moves whenever the queue or a card may have changed (the audit log's last seq), plus the pending count
import { ANY_ROLE } from "@/lib/auth/roles";
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { consoleVersion, countPending } from "@/lib/approvals/list-queue";

export const GET = consoleHandler(ANY_ROLE, async () => {
  const version = await consoleVersion();
  return json({ version, pending: await countPending() });
});
