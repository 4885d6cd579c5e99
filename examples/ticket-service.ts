/**
 * A demo tool service: a real HTTP server that closes tickets, but only when
 * the caller presents a Gatehouse action token for exactly this tool, tenant,
 * environment and these args — verified offline (against the JWKS and the
 * revocation feed, which the SDK reads by default), then redeemed once.
 *
 *   GATEHOUSE_URL=http://localhost:3000 npx tsx examples/ticket-service.ts
 */
import http from "node:http";
import { createToolService, CapabilityError, RedeemError } from "@/lib/sdk";

export function startTicketService(opts: { gatehouseUrl: string; tenant: string; env: string; issuer?: string; audience?: string; port?: number }) {
  const tools = createToolService({
    gatehouseUrl: opts.gatehouseUrl,
    issuer: opts.issuer ?? "gatehouse",
    audience: opts.audience ?? "gatehouse-tools",
    tenant: opts.tenant,
    env: opts.env,
  });
  const tickets = new Map<string, { status: "open" | "closed"; resolution?: string }>([["T-18421", { status: "open" }]]);
  const server = http.createServer(async (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "POST" || req.url !== "/tools/ticket.close") return reply(404, { error: "no such tool" });
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!token) return reply(401, { error: "capability token required" });
    let args: { ticket_id?: string; resolution?: string };
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      args = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      return reply(400, { error: "bad json" });
    }
    try {
      await tools.redeem(token, "ticket.close", args);
    } catch (err) {
      if (err instanceof CapabilityError) return reply(403, { error: err.code });
      if (err instanceof RedeemError) return reply(err.status, { error: err.reason ?? err.code });
      return reply(502, { error: "gatehouse unavailable" });
    }
    const ticket = tickets.get(args.ticket_id ?? "") ?? { status: "open" as const };
    tickets.set(args.ticket_id!, { status: "closed", resolution: args.resolution });
    return reply(200, { ticket_id: args.ticket_id, previous: ticket.status, status: "closed" });
  });
  return new Promise<{ url: string; close: () => Promise<void>; tickets: typeof tickets }>((resolve) => {
    server.listen(opts.port ?? 0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      resolve({ url: `http://127.0.0.1:${port}`, tickets, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

if (process.argv[1]?.endsWith("ticket-service.ts")) {
  const svc = await startTicketService({ gatehouseUrl: process.env.GATEHOUSE_URL ?? "http://localhost:3000", tenant: "acme", env: "prod", port: 4100 });
  console.log(`ticket service on ${svc.url} (POST /tools/ticket.close with Authorization: Bearer <action token>)`);
}
