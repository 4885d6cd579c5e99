// GET /metrics — Prometheus text format. A scraper's bearer GATEHOUSE_METRICS_TOKEN, or an admin's console session; never an agent key.
import { handler } from "@/lib/http/handler";
import { authorizeScrape } from "@/lib/metrics/authorize-scrape";
import { renderMetrics } from "@/lib/metrics/render-metrics";

export const dynamic = "force-dynamic";

// Served by Next.js only (not in the agent route table), so it gets the whole Request.
export const GET = handler<Record<string, string>, Request>(async (req) => {
  await authorizeScrape(req);
  const { contentType, body } = await renderMetrics();
  return new Response(body, { status: 200, headers: { "Content-Type": contentType } });
});
