// GET /api/console/policies/changes/{id} — what a second admin reviews: changed cells, base check, policy tests, dry-run (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { reviewPolicyChange } from "@/lib/policy-changes/review-policy-change";

export const GET = consoleHandler<{ id: string }>(["admin"], async (_req, { params }) => json(await reviewPolicyChange(params.id)));
