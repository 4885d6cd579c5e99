import http from "node:http";
import type { AddressInfo } from "node:net";
import { nodeHandler } from "@/lib/http/node-adapter";
import { agentRoutes } from "@/lib/api/v1/routes";
import { isMcpPath, mcpHandler } from "@/lib/mcp/endpoint";

/** The agent API on a real HTTP server (127.0.0.1, ephemeral port), serving the product's own route handlers. */
export async function startAgentServer(): Promise<{ url: string; close: () => Promise<void> }> {
  let url = "http://127.0.0.1";
  const api = nodeHandler(agentRoutes, () => url);
  const mcp = mcpHandler(() => url);
  // The MCP gateway (/mcp/<route>) beside the agent API, as in the combined server.
  const server = http.createServer((req, res) => (isMcpPath(req.url) ? mcp(req, res) : api(req, res)));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
