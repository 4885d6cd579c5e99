import "server-only";
import { handler } from "@/lib/http/handler";
import { AppError, zodIssues } from "@/lib/errors";
import { authenticateAgent } from "@/lib/agents/authenticate-agent";
import { toolsQuery } from "@/lib/api/schemas";
import { discoverTools } from "@/lib/catalog/discover-tools";

// GET /api/v1/tools — tool discovery: the tools this credential's routes grant (optionally one run's route)
export const getTools = handler(async (req, { json }) => {
  const agent = await authenticateAgent(req);
  const q = toolsQuery.safeParse(Object.fromEntries(new URL(req.url).searchParams));
  if (!q.success) throw new AppError("validation_failed", "The only query parameter is run_id.", { issues: zodIssues(q.error.issues) });
  return json(await discoverTools(agent, q.data.run_id));
});
