import "server-only";
import { handler } from "@/lib/http/handler";
import { authenticateAgent } from "@/lib/agents/authenticate-agent";
import { parseAgentBody } from "@/lib/http/parse-body";
import { startRunInput } from "@/lib/api/schemas";
import { startRun } from "@/lib/runs/start-run";
import { refreshRunToken } from "@/lib/runs/refresh-run-token";

// POST /api/v1/runs — start a run on a route
export const postRun = handler(async (req, { requestId, json }) => {
  const agent = await authenticateAgent(req);
  const body = await parseAgentBody(req, startRunInput);
  return json(await startRun(agent, body.route, { requestId }), 201);
});

// POST /api/v1/runs/{id}/token — refresh the run token within the run's budgets
export const postRunToken = handler<{ id: string }>(async (req, { requestId, params, json }) => {
  const agent = await authenticateAgent(req);
  return json(await refreshRunToken(agent, params.id, { requestId }));
});
