// GET /api/console/policy-tests/run — every route's tests against its active version (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { runAllPolicyTests } from "@/lib/policy-changes/run-policy-tests";

export const GET = consoleHandler(["admin"], async () => json({ routes: await runAllPolicyTests() }));
