// The README tool-service quick start (plain Node 20 ESM; `npm install @gatehouse-dev/sdk`):
// a ticket service that runs `ticket.close` only with a Gatehouse action token for exactly
// that tool, tenant, environment and args — verified offline against the JWKS, then redeemed once.
//
//   GATEHOUSE_URL=http://localhost:3000 TOOL_PORT=4100 TOOL_TENANT=acme TOOL_ENV=prod node tool-service.mjs
import http from "node:http";
import { createToolService, CapabilityError, RedeemError } from "@gatehouse-dev/sdk";

const tools = createToolService({
  gatehouseUrl: process.env.GATEHOUSE_URL ?? "http://localhost:3000",
  issuer: process.env.GATEHOUSE_ISSUER ?? "gatehouse",
  audience: process.env.GATEHOUSE_AUDIENCE ?? "gatehouse-tools",
  tenant: process.env.TOOL_TENANT ?? "acme",
  env: process.env.TOOL_ENV ?? "prod",
});
const tickets = new Map([["T-18421", "open"]]);

const server = http.createServer(async (req, res) => {
  const reply = (status, body) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  if (req.method !== "POST" || req.url !== "/tools/ticket.close") return reply(404, { error: "no such tool" });
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
  if (!token) return reply(401, { error: "capability token required" });
  let args;
  try {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    args = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return reply(400, { error: "bad json" });
  }
  try {
    await tools.redeem(token, "ticket.close", args); // verify (signature, scope, args hash) + single use
  } catch (err) {
    if (err instanceof CapabilityError) return reply(403, { error: err.code });
    if (err instanceof RedeemError) return reply(err.status, { error: err.reason ?? err.code });
    return reply(502, { error: "gatehouse unavailable" });
  }
  const previous = tickets.get(args.ticket_id) ?? "open";
  tickets.set(args.ticket_id, "closed");
  reply(200, { ticket_id: args.ticket_id, previous, status: "closed" });
});
const port = Number(process.env.TOOL_PORT ?? 4100);
server.listen(port, "127.0.0.1", () => console.log(`tool service on http://127.0.0.1:${port}`));
