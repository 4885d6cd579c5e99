// POST /api/console/tools/changes/{seq}/approve — approve a pending tool change (approve: a second admin, never the requester) (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { AppError } from "@/lib/errors";
import { approveToolChange } from "@/lib/catalog/save-tool";

export const POST = consoleHandler<{ seq: string }>(["admin"], async (_req, { user, requestId, params }) => {
  const seq = Number(params.seq);
  if (!Number.isSafeInteger(seq) || seq < 1) throw new AppError("not_found", "No such pending tool change.");
  await approveToolChange({ requestSeq: seq, actorId: user.id, requestId });
  return json({ ok: true });
});
