/**
 * A demo tool service: a real HTTP server that closes and updates tickets and
 * refunds orders, but only when the caller presents a Gatehouse action token
 * for exactly that tool, tenant, environment and args — verified offline
 * (against the JWKS and the revocation feed, which the SDK reads by default),
 * then redeemed once.
 *
 * It also answers Gatehouse's preview requests (`POST /preview/<tool>` with a
 * preview token): what the call would change, from the current state —
 * `{before, after}`. A preview token is read-only: the write endpoints refuse it.
 *
 *   GATEHOUSE_URL=http://localhost:3000 TICKET_SERVICE_PORT=4100 TICKET_SERVICE_TENANT=acme TICKET_SERVICE_ENV=prod \
 *     npx tsx examples/ticket-service.ts
 *
 * and start Gatehouse with GATEHOUSE_DEMO_TOOL_SERVICE_URL=http://127.0.0.1:4100 before its first (demo) seed,
 * or set the preview endpoints on the tools page.
 */
import http from "node:http";
import { createToolService, CapabilityError, RedeemError } from "@/lib/sdk";

export type Ticket = { status: "open" | "pending" | "on_hold" | "closed"; priority: "low" | "normal" | "high" | "urgent"; resolution?: string; note?: string };
export type Order = { customer_id: string; total_usd: number; refunded_usd: number };

export type TicketServiceOptions = { gatehouseUrl: string; tenant: string; env: string; issuer?: string; audience?: string; port?: number; host?: string };

const WRITE_TOOLS = ["ticket.close", "ticket.update", "refund.create"] as const;
type WriteTool = (typeof WRITE_TOOLS)[number];
const isWriteTool = (t: string): t is WriteTool => (WRITE_TOOLS as readonly string[]).includes(t);

type Args = Record<string, unknown>;
type Answer = { status: number; body: unknown };

export function startTicketService(opts: TicketServiceOptions) {
  const tools = createToolService({
    gatehouseUrl: opts.gatehouseUrl,
    issuer: opts.issuer ?? "gatehouse",
    audience: opts.audience ?? "gatehouse-tools",
    tenant: opts.tenant,
    env: opts.env,
  });
  const tickets = new Map<string, Ticket>([["T-18421", { status: "open", priority: "normal" }]]);
  const orders = new Map<string, Order>([["O-1001", { customer_id: "C-1042", total_usd: 120, refunded_usd: 0 }]]);
  /** Every preview request answered, for tests: which tool, which action. */
  const previews: { tool: string; action_id: string }[] = [];

  const str = (v: unknown) => (typeof v === "string" ? v : "");

  /** What `tool` with `args` would change, from the current state; null when the target does not exist. */
  function preview(tool: WriteTool, args: Args): { before: unknown; after: unknown } | null {
    if (tool === "refund.create") {
      const order = orders.get(str(args.order_id));
      if (!order) return null;
      const amount = typeof args.amount_usd === "number" ? args.amount_usd : 0;
      return { before: { order_id: args.order_id, ...order }, after: { order_id: args.order_id, ...order, refunded_usd: order.refunded_usd + amount } };
    }
    const ticket = tickets.get(str(args.ticket_id));
    if (!ticket) return null;
    return { before: { ticket_id: args.ticket_id, ...ticket }, after: { ticket_id: args.ticket_id, ...apply(tool, ticket, args) } };
  }

  function apply(tool: "ticket.close" | "ticket.update", t: Ticket, args: Args): Ticket {
    if (tool === "ticket.close") return { ...t, status: "closed", ...(typeof args.resolution === "string" ? { resolution: args.resolution } : {}) };
    return {
      ...t,
      ...(typeof args.status === "string" ? { status: args.status as Ticket["status"] } : {}),
      ...(typeof args.priority === "string" ? { priority: args.priority as Ticket["priority"] } : {}),
      ...(typeof args.note === "string" ? { note: args.note } : {}),
    };
  }

  async function write(tool: WriteTool, token: string, args: Args): Promise<Answer> {
    try {
      await tools.redeem(token, tool, args);
    } catch (err) {
      if (err instanceof CapabilityError) return { status: 403, body: { error: err.code } };
      if (err instanceof RedeemError) return { status: err.status, body: { error: err.reason ?? err.code } };
      return { status: 502, body: { error: "gatehouse unavailable" } };
    }
    if (tool === "refund.create") {
      const order = orders.get(str(args.order_id));
      if (!order) return { status: 404, body: { error: "no such order" } };
      order.refunded_usd += typeof args.amount_usd === "number" ? args.amount_usd : 0;
      return { status: 200, body: { order_id: args.order_id, refunded_usd: order.refunded_usd } };
    }
    const id = str(args.ticket_id);
    const before = tickets.get(id) ?? { status: "open" as const, priority: "normal" as const };
    const after = apply(tool, before, args);
    tickets.set(id, after);
    return { status: 200, body: { ticket_id: id, previous: before.status, status: after.status } };
  }

  async function answerPreview(tool: WriteTool, token: string, body: { action_id?: unknown; args?: unknown }): Promise<Answer> {
    const args = body.args && typeof body.args === "object" && !Array.isArray(body.args) ? (body.args as Args) : null;
    if (!args) return { status: 400, body: { error: "args required" } };
    try {
      await tools.verifyPreview(token, tool, args);
    } catch (err) {
      if (err instanceof CapabilityError) return { status: 403, body: { error: err.code } };
      return { status: 502, body: { error: "gatehouse unavailable" } };
    }
    previews.push({ tool, action_id: str(body.action_id) });
    const p = preview(tool, args);
    return p ? { status: 200, body: p } : { status: 404, body: { error: "no such record" } };
  }

  const server = http.createServer(async (req, res) => {
    const reply = ({ status, body }: Answer) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const m = /^\/(tools|preview)\/([a-z.]+)$/.exec(req.url ?? "");
    if (req.method !== "POST" || !m || !isWriteTool(m[2]!)) return reply({ status: 404, body: { error: "no such tool" } });
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!token) return reply({ status: 401, body: { error: "capability token required" } });
    let body: unknown;
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      return reply({ status: 400, body: { error: "bad json" } });
    }
    if (!body || typeof body !== "object") return reply({ status: 400, body: { error: "bad json" } });
    reply(m[1] === "preview" ? await answerPreview(m[2] as WriteTool, token, body as Args) : await write(m[2] as WriteTool, token, body as Args));
  });
  return new Promise<{ url: string; close: () => Promise<void>; tickets: typeof tickets; orders: typeof orders; previews: typeof previews }>((resolve) => {
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      resolve({ url: `http://127.0.0.1:${port}`, tickets, orders, previews, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

if (process.argv[1]?.endsWith("ticket-service.ts")) {
  const svc = await startTicketService({
    gatehouseUrl: process.env.GATEHOUSE_URL ?? "http://localhost:3000",
    tenant: process.env.TICKET_SERVICE_TENANT ?? "acme",
    env: process.env.TICKET_SERVICE_ENV ?? "prod",
    port: Number(process.env.TICKET_SERVICE_PORT ?? 4100),
  });
  console.log(`ticket service on ${svc.url} (POST /tools/<ticket.close|ticket.update|refund.create> with an action token; POST /preview/<tool> with a preview token)`);
}
