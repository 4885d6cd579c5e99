/**
 * A demo upstream MCP server (tickets, refunds, e-mail), built on the official
 * SDK's McpServer. Gatehouse calls it with a tenant's credential; agents reach
 * it only through Gatehouse's /mcp/<route> endpoint.
 *
 *   DEMO_UPSTREAM_TOKEN=… npx tsx examples/mcp-upstream.ts            # Streamable HTTP on :4200 (PORT)
 *   AUTHORIZATION="Bearer …" npx tsx examples/mcp-upstream.ts --stdio  # stdio (the credential arrives as env)
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

/** One call the upstream received: which tool, exactly which args, with which credential. */
export type ReceivedCall = { tool: string; args: unknown; authorization: string | undefined };

export type UpstreamState = {
  received: ReceivedCall[];
  /** Override a tool's description (tests: an upstream that changes a tool after approval). */
  descriptions: Record<string, string>;
  /** A tool name → behaviour override for adversarial tests. */
  mode: Record<string, "hang" | "slow" | "garbage" | "drop_once" | undefined>;
};

export const newUpstreamState = (): UpstreamState => ({ received: [], descriptions: {}, mode: {} });

const TICKETS: Record<string, { id: string; subject: string; status: string; note: string }> = {
  "T-1": { id: "T-1", subject: "Cannot log in", status: "open", note: "Customer pasted their key sk_live_51HdemoNOTaREALkey00000000 into the ticket." },
  "T-2": { id: "T-2", subject: "Refund request", status: "open", note: "Order 1042 arrived damaged." },
};

export function demoUpstreamServer(state: UpstreamState, authorization: () => string | undefined): McpServer {
  const server = new McpServer({ name: "demo-upstream", version: "1.0.0" });
  const d = (name: string, fallback: string) => state.descriptions[name] ?? fallback;
  const record = (tool: string, args: unknown) => state.received.push({ tool, args, authorization: authorization() });
  server.registerTool(
    "get_ticket",
    { description: d("get_ticket", "Read one support ticket by id."), inputSchema: { ticket_id: z.string() }, annotations: { readOnlyHint: true } },
    async (args) => {
      record("get_ticket", args);
      if (state.mode.get_ticket === "hang") await new Promise(() => {});
      if (state.mode.get_ticket === "slow") await new Promise((r) => setTimeout(r, 500));
      const t = TICKETS[args.ticket_id];
      return { content: [{ type: "text", text: t ? JSON.stringify(t) : `No ticket ${args.ticket_id}.` }], isError: !t };
    },
  );
  server.registerTool(
    "close_ticket",
    {
      description: d("close_ticket", "Close a support ticket with a resolution note."),
      inputSchema: { ticket_id: z.string(), resolution: z.string() },
      annotations: { readOnlyHint: false, destructiveHint: false },
    },
    async (args) => {
      record("close_ticket", args);
      return { content: [{ type: "text", text: `Closed ${args.ticket_id}: ${args.resolution}` }] };
    },
  );
  server.registerTool(
    "create_refund",
    {
      description: d("create_refund", "Refund an order, in US dollars."),
      inputSchema: { order_id: z.string(), amount_usd: z.number() },
      annotations: { readOnlyHint: false, destructiveHint: true },
    },
    async (args) => {
      record("create_refund", args);
      return { content: [{ type: "text", text: `Refunded $${args.amount_usd} on ${args.order_id}.` }] };
    },
  );
  server.registerTool(
    "send_email",
    {
      description: d("send_email", "Send an e-mail to a customer."),
      inputSchema: { to: z.string(), subject: z.string(), body: z.string() },
      annotations: { readOnlyHint: false, destructiveHint: false },
    },
    async (args) => {
      record("send_email", args);
      return { content: [{ type: "text", text: `Sent to ${args.to}.` }] };
    },
  );
  return server;
}

/** The demo upstream over Streamable HTTP (stateless: one McpServer per request). `token` set → requests without `Bearer <token>` get 401. */
export async function startDemoUpstreamHttp(opts: { port?: number; token?: string; state?: UpstreamState } = {}) {
  const state = opts.state ?? newUpstreamState();
  const server = http.createServer(async (req, res) => {
    const auth = req.headers.authorization;
    if (opts.token && auth !== `Bearer ${opts.token}`) {
      res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: "unauthorized" }));
      return;
    }
    if (req.method === "POST" && Object.values(state.mode).some((m) => m === "garbage" || m === "drop_once")) {
      const body = await new Promise<string>((r) => {
        let s = "";
        req.on("data", (c) => (s += c)).on("end", () => r(s));
      });
      const msg = JSON.parse(body) as { id?: number; method?: string; params?: { name?: string } };
      // A connection lost before any answer (the tool never ran), once: what a retry is for.
      if (msg.method === "tools/call" && state.mode[msg.params?.name ?? ""] === "drop_once") {
        delete state.mode[msg.params!.name!];
        req.socket.destroy();
        return;
      }
      if (msg.method === "tools/call" && Object.values(state.mode).includes("garbage")) {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", id: msg.id, result: { content: "not-a-list", garbage: true } }));
        return;
      }
      const mcp = demoUpstreamServer(state, () => auth);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      await mcp.connect(transport);
      await transport.handleRequest(req, res, msg);
      return;
    }
    const mcp = demoUpstreamServer(state, () => auth);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on("close", () => void mcp.close());
    await mcp.connect(transport);
    await transport.handleRequest(req, res);
  });
  // Longer than a client's idle gap: a keep-alive socket closed by the server just as a client reuses it is a failed call.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => server.listen(opts.port ?? 0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  return {
    url,
    state,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function main() {
  if (process.argv.includes("--stdio")) {
    const state = newUpstreamState();
    // A stdio test upstream can log what it received on stderr, one JSON line per call.
    const mcp = demoUpstreamServer(state, () => process.env.AUTHORIZATION);
    const push = state.received.push.bind(state.received);
    state.received.push = (...c: ReceivedCall[]) => {
      for (const x of c) process.stderr.write(JSON.stringify(x) + "\n");
      return push(...c);
    };
    await mcp.connect(new StdioServerTransport());
    return;
  }
  const up = await startDemoUpstreamHttp({ port: Number(process.env.PORT ?? 4200), token: process.env.DEMO_UPSTREAM_TOKEN });
  console.log(`demo MCP upstream on ${up.url}`);
}

if (process.argv[1] && /mcp-upstream\.ts$/.test(process.argv[1])) void main();
