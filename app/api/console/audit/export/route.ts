// GET /api/console/audit/export?format=jsonl|csv&<filters> — the filtered set, streamed
import { scopedConsoleHandler } from "@/lib/http/console-guard";
import { AppError } from "@/lib/errors";
import { pageRoles } from "@/components/console/nav-items";
import { parseAuditQuery } from "@/lib/audit/query";
import { exportAuditStream } from "@/lib/audit/export";

const TYPES = { jsonl: "application/x-ndjson; charset=utf-8", csv: "text/csv; charset=utf-8" } as const;

export const GET = scopedConsoleHandler(pageRoles("/audit"), async (req, { user }) => {
  const params = new URL(req.url).searchParams;
  const format = params.get("format") ?? "jsonl";
  if (format !== "jsonl" && format !== "csv") {
    throw new AppError("validation_failed", "format must be jsonl or csv.", { issues: [{ path: "format", message: "jsonl or csv" }] });
  }
  // The whole filtered set: paging parameters do not apply to an export.
  params.delete("before");
  params.delete("limit");
  const { filter } = parseAuditQuery(params);
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return new Response(exportAuditStream(filter, user, format), {
    headers: {
      "Content-Type": TYPES[format],
      "Content-Disposition": `attachment; filename="gatehouse-audit-${stamp}.${format}"`,
    },
  });
});
