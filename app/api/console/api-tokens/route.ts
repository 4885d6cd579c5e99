// GET /api/console/api-tokens — your API tokens (never their secrets); POST — create one, shown once (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { readJson } from "@/lib/http/parse-body";
import { createApiToken, listApiTokens } from "@/lib/auth/api-tokens";

export const GET = consoleHandler(["admin"], async (_req, { user }) => json({ tokens: await listApiTokens(user.id) }));
export const POST = consoleHandler(["admin"], async (req, { user, requestId }) => json(await createApiToken(await readJson(req), { actorId: user.id, requestId }), 201));
