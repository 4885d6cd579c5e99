import "server-only";
import { handler } from "@/lib/http/handler";
import { AppError, zodIssues } from "@/lib/errors";
import { authenticateAgent } from "@/lib/agents/authenticate-agent";
import { parseAgentBody } from "@/lib/http/parse-body";
import { proposeActionInput, reportResultInput, waitQuery } from "@/lib/api/schemas";
import { proposeAction } from "@/lib/actions/propose-action";
import { waitForAction } from "@/lib/actions/get-action";
import { cancelAction } from "@/lib/actions/cancel-action";
import { reportResult } from "@/lib/actions/report-result";
import { forAgentApi, GATEWAY_KEY_PREFIX, isGatewayAction } from "@/lib/mcp/gateway-actions";

// POST /api/v1/actions — propose a tool call; the answer is the decision
export const postAction = handler(async (req, { requestId, json }) => {
  const agent = await authenticateAgent(req);
  const body = await parseAgentBody(req, proposeActionInput);
  // The prefix marks the MCP gateway's own actions (lib/mcp/gateway-actions.ts): no proposal here may wear it.
  if (isGatewayAction(body))
    throw new AppError("validation_failed", `idempotency_key must not start with "${GATEWAY_KEY_PREFIX}": that prefix is reserved for the MCP gateway's calls.`, {
      issues: [{ path: "idempotency_key", message: "reserved prefix" }],
    });
  const { httpStatus, view } = await proposeAction(agent, body, { requestId });
  return json(forAgentApi(view), httpStatus);
});

// GET /api/v1/actions/{id}?wait=N — poll, or long-poll up to N ≤ 55 seconds
export const getAction = handler<{ id: string }>(async (req, { requestId, params, json }) => {
  const agent = await authenticateAgent(req);
  const q = waitQuery.safeParse(Object.fromEntries(new URL(req.url).searchParams));
  if (!q.success) throw new AppError("validation_failed", "wait must be a whole number of seconds from 0 to 55.", { issues: zodIssues(q.error.issues) });
  return json(forAgentApi(await waitForAction(agent, params.id, q.data.wait ?? 0, req.signal, { requestId })));
});

// POST /api/v1/actions/{id}/cancel — withdraw a pending action
export const postCancel = handler<{ id: string }>(async (req, { requestId, params, json }) => {
  const agent = await authenticateAgent(req);
  return json(forAgentApi(await cancelAction(agent, params.id, { requestId })));
});

// POST /api/v1/actions/{id}/result — report the tool call's outcome
export const postResult = handler<{ id: string }>(async (req, { requestId, params, json }) => {
  const agent = await authenticateAgent(req);
  const body = await parseAgentBody(req, reportResultInput);
  await reportResult(agent, params.id, body, { requestId });
  return json({ recorded: true }, 201);
});
