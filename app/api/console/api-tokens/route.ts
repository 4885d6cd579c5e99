// GET /api/console/api-tokens — your API tokens (never their secrets); POST — create one, shown once (any role; each scope needs its role, tenant scopes within yours)
import { ANY_ROLE } from "@/lib/auth/roles";
import { scopedConsoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { readJson } from "@/lib/http/parse-body";
import { createApiToken, listApiTokens } from "@/lib/auth/api-tokens";

// Scoped: a token is its owner's own, limited to the owner's tenant scopes (createApiToken checks), so a restricted user may make one.
export const GET = scopedConsoleHandler(ANY_ROLE, async (_req, { user }) => json({ tokens: await listApiTokens(user.id) }));
export const POST = scopedConsoleHandler(ANY_ROLE, async (req, { user, requestId }) => json(await createApiToken(await readJson(req), { actorId: user.id, requestId }), 201));
