// POST /api/console/mcp-upstreams/{id}/disable — turn an upstream off at once (a narrowing, one admin; the incident switch): its tools are withheld from every agent and call; turning it back on is an `enable` change a second admin applies (admin)
import { z } from "zod";
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { disableUpstream } from "@/lib/mcp/upstreams";

export const POST = consoleHandler<{ id: string }>(["admin"], async (req, { user, requestId, params }) => {
  const body = await parseBody(req, z.strictObject({ reason: z.string().trim().min(1).max(500).optional() }));
  await disableUpstream({ upstreamId: params.id, reason: body.reason, actorId: user.id, requestId });
  return json({ ok: true });
});
