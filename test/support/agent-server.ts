import http from "node:http";
import type { AddressInfo } from "node:net";
import { nodeHandler } from "@/lib/http/node-adapter";
import { agentRoutes } from "@/lib/api/v1/routes";

/** The agent API on a real HTTP server (127.0.0.1, ephemeral port), serving the product's own route handlers. */
export async function startAgentServer(): Promise<{ url: string; close: () => Promise<void> }> {
  let url = "http://127.0.0.1";
  const server = http.createServer(nodeHandler(agentRoutes, () => url));
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
