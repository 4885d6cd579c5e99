// GET /api/console/actions/version — a number that moves whenever the queue or a card may have changed (the audit log's last seq), plus the pending count
import { ANY_ROLE } from "@/lib/auth/roles";
import { scopedConsoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { consoleVersion, countPending } from "@/lib/approvals/list-queue";

export const GET = scopedConsoleHandler(ANY_ROLE, async (_req, { user }) => {
  const version = await consoleVersion(user);
  return json({ version, pending: await countPending(user) });
});
