// POST /api/cli/policies/apply — apply a bundle through the console's rules: semantic diff, two-admin widening, policy tests, bases (API token, policy:write)
import { tokenHandler } from "@/lib/http/token-guard";
import { json } from "@/lib/http/handler";
import { AppError } from "@/lib/errors";
import { applyBundle } from "@/lib/policy-bundle/bundle-ops";
import { readBundleBody } from "@/lib/policy-bundle/bundle-body";
import { requireReason } from "@/lib/policy/policy-schema";

export const POST = tokenHandler("policy:write", async (req, { user, requestId }) => {
  const { bundle, reason } = await readBundleBody(req);
  if (!reason.trim()) throw new AppError("validation_failed", "Say why you are applying this bundle.", { issues: [{ path: "reason", message: "Required." }] });
  const routes = await applyBundle(bundle, { actorId: user.id, requestId, reason: requireReason(reason) });
  const pending = routes.some((r) => r.policy?.status === "pending");
  const blocked = routes.some((r) => r.policy?.status === "blocked");
  return json({ routes }, blocked ? 409 : pending ? 202 : 200);
});
