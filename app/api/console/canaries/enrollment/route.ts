// PUT /api/console/canaries/enrollment — enroll a reviewer for canaries, or withdraw them (admin)
import { z } from "zod";
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { setCanaryEnrollment } from "@/lib/canaries/canaries";

const input = z.strictObject({ user_id: z.string().min(1).max(100), enrolled: z.boolean() });

export const PUT = consoleHandler(["admin"], async (req, { user, requestId }) => {
  const b = await parseBody(req, input);
  await setCanaryEnrollment(b.user_id, b.enrolled, { actorId: user.id, requestId });
  return json({ ok: true });
});
