// POST /api/console/policy-tests — add an expectation to a route (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { readJson } from "@/lib/http/parse-body";
import { addPolicyTest } from "@/lib/policy-changes/manage-policy-tests";

export const POST = consoleHandler(["admin"], async (req, { user, requestId }) => json(await addPolicyTest(await readJson(req), { actorId: user.id, requestId }), 201));
