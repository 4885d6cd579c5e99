/**
 * Benchmark child: the floor any gateway pays on this box — a bare node:http
 * forwarder with no decision, no audit and no parsing: it posts each request's
 * body to the upstream at BENCH_UPSTREAM_URL on a keep-alive agent, with the
 * upstream's credential in place of the caller's, and pipes the answer back.
 * P10 measures it beside the gateway, so the difference is exactly what the
 * gateway's own work costs. Prints `READY <port> -`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

const target = new URL(process.env.BENCH_UPSTREAM_URL!);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const server = http.createServer((req, res) => {
  const headers = { ...req.headers, host: target.host, authorization: `Bearer ${process.env.BENCH_UPSTREAM_TOKEN}` };
  const up = http.request(target, { method: req.method, headers, agent }, (ur) => {
    res.writeHead(ur.statusCode ?? 502, ur.headers);
    ur.pipe(res);
  });
  up.on("error", () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(up);
});
server.keepAliveTimeout = 60_000;
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
process.on("SIGINT", () => process.exit(0));
console.log(`READY ${(server.address() as AddressInfo).port} -`);
