// POST /api/console/policies/dry-run — replay the route's last N audited decisions under a draft (admin, read-only)
import { z } from "zod";
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { DRY_RUN_MAX, dryRunPolicy } from "@/lib/policy-changes/dry-run-policy";

const body = z.strictObject({ route: z.string().min(1).max(200), policy: z.unknown(), limit: z.number().int().min(1).max(DRY_RUN_MAX).optional() });

export const POST = consoleHandler(["admin"], async (req) => json(await dryRunPolicy(await parseBody(req, body))));
