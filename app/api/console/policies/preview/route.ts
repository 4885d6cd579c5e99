// POST /api/console/policies/preview — validate a draft and say what saving it would do, without saving (admin)
import { z } from "zod";
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { previewPolicyChange } from "@/lib/policy-changes/preview-policy-change";

const body = z.strictObject({ route: z.string().min(1).max(200), policy: z.unknown() });

export const POST = consoleHandler(["admin"], async (req) => {
  const b = await parseBody(req, body);
  return json(await previewPolicyChange(b.route, b.policy));
});
