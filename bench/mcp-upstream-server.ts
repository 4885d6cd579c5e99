/**
 * Benchmark child: the demo upstream MCP server (examples/mcp-upstream.ts) over
 * Streamable HTTP, a fixed upstream for P10. Prints `READY <port> -`.
 */
import { startDemoUpstreamHttp } from "../examples/mcp-upstream";

const up = await startDemoUpstreamHttp({ token: process.env.BENCH_UPSTREAM_TOKEN });
// The bench makes tens of thousands of calls: keep no record of them.
up.state.received.push = () => 0;
console.log(`READY ${new URL(up.url).port} -`);
