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

// POST /api/v1/actions — propose a tool call; the answer is the decision
export const postAction = handler(async (req, { requestId, json }) => {
  const agent = await authenticateAgent(req);
  const body = await parseAgentBody(req, proposeActionInput);
  const { httpStatus, view } = await proposeAction(agent, body, { requestId });
  return json(view, httpStatus);
});

// GET /api/v1/actions/{id}?wait=N — poll, or long-poll up to N ≤ 55 seconds
export const getAction = handler<{ id: string }>(async (req, { requestId, params, json }) => {
  const agent = await authenticateAgent(req);
  const q = waitQuery.safeParse(Object.fromEntries(new URL(req.url).searchParams));
  if (!q.success) throw new AppError("validation_failed", "wait must be a whole number of seconds from 0 to 55.", { issues: zodIssues(q.error.issues) });
  return json(await waitForAction(agent, params.id, q.data.wait ?? 0, req.signal, { requestId }));
});

// POST /api/v1/actions/{id}/cancel — withdraw a pending action
export const postCancel = handler<{ id: string }>(async (req, { requestId, params, json }) => {
  const agent = await authenticateAgent(req);
  return json(await cancelAction(agent, params.id, { requestId }));
});

// POST /api/v1/actions/{id}/result — report the tool call's outcome
export const postResult = handler<{ id: string }>(async (req, { requestId, params, json }) => {
  const agent = await authenticateAgent(req);
  const body = await parseAgentBody(req, reportResultInput);
  await reportResult(agent, params.id, body, { requestId });
  return json({ recorded: true }, 201);
});
