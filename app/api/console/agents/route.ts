// GET /api/console/agents — credentials (prefix, scope, last use); POST — create one, the key shown once (admin)
import { z } from "zod";
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { listAgents } from "@/lib/console/list-agents";
import { createCredential } from "@/lib/agents/create-credential";
import { ENVIRONMENTS } from "@/lib/policy/types";

const body = z.strictObject({
  name: z.string().trim().min(1).max(100),
  tenantId: z.string().min(1).max(100),
  env: z.enum(ENVIRONMENTS),
  routes: z.array(z.string().min(1).max(200)).min(1, "Pick at least one route.").max(50),
  callbackAllowlist: z.array(z.string().trim().min(1).max(253)).max(50).default([]),
});

export const GET = consoleHandler(["admin"], async () => json({ agents: await listAgents() }));

export const POST = consoleHandler(["admin"], async (req, { user, requestId }) => {
  const b = await parseBody(req, body);
  const c = await createCredential({ ...b, createdById: user.id }, { requestId });
  // The key and callback secret leave the server here and never again.
  return json({ id: c.id, key: c.key, callback_secret: c.callbackSecret }, 201);
});
