// GET /api/console/kill-switches — every switch; POST — flip one (admin, or on-call under an open break-glass session)
import { z } from "zod";
import { db } from "@/lib/db/client";
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { readJson } from "@/lib/http/read-json";
import { AppError, zodIssues } from "@/lib/errors";
import { KILL_SWITCH_ROLES } from "@/lib/break-glass/roles";
import { requireOpenSession } from "@/lib/break-glass/session-rules";
import { listKillSwitches, setKillSwitchInput, setKillSwitchTx } from "@/lib/kill-switches/set-kill-switch";

const body = z.object({ break_glass_session_id: z.string().min(1).max(100).optional() }).passthrough();

export const GET = consoleHandler(KILL_SWITCH_ROLES, async () => json({ kill_switches: await listKillSwitches() }));

export const POST = consoleHandler(KILL_SWITCH_ROLES, async (req, { user, requestId }) => {
  const raw = body.safeParse(await readJson(req));
  if (!raw.success) throw new AppError("validation_failed", "The request body is invalid.", { issues: zodIssues(raw.error.issues) });
  const { break_glass_session_id: sessionId, ...rest } = raw.data;
  const parsed = setKillSwitchInput.safeParse(rest);
  if (!parsed.success) throw new AppError("validation_failed", "Invalid kill switch.", { issues: zodIssues(parsed.error.issues) });
  const isAdmin = user.roles.includes("admin");
  if (!isAdmin && !sessionId) throw new AppError("forbidden", "On-call flips kill switches only under an open break-glass session.", { reason: "break_glass_required" });
  const view = await db().$transaction(async (tx) => {
    // Named session → it must be open and this user's, even for an admin: the tag must be true.
    if (sessionId) await requireOpenSession(tx, sessionId, user.id);
    return setKillSwitchTx(tx, { ...parsed.data, actorId: user.id, breakGlassSessionId: sessionId ?? null, requestId });
  });
  return json(view);
});
