import "server-only";
import { db } from "@/lib/db/client";
import { auditWhere, timeWindow, toAuditView, type SeqWindow, type AuditFilter, type AuditView } from "@/lib/audit/query";

export const EXPORT_BATCH = 1_000;
export type ExportFormat = "jsonl" | "csv";

/** CSV columns, in order; nested values (approval ids, data) are JSON text in their cell. */
export const CSV_COLUMNS: (keyof AuditView)[] = [
  "seq",
  "at",
  "request_id",
  "actor_type",
  "actor_id",
  "type",
  "tenant",
  "env",
  "route",
  "tool",
  "args_hash",
  "idempotency_key",
  "credential_scope",
  "action_id",
  "run_id",
  "approval_ids",
  "break_glass_session_id",
  "status",
  "reason",
  "duration_ms",
  "jti",
  "data",
  "prev_hash",
  "hash",
];

/** RFC 4180 quoting, plus a leading `'` on cells a spreadsheet would run as a formula. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  let s = typeof value === "string" ? value : typeof value === "number" ? String(value) : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(view: AuditView): string {
  return CSV_COLUMNS.map((c) => csvCell(view[c])).join(",") + "\r\n";
}

/**
 * The filtered set, newest first (the browser's order), read 1,000 rows at a
 * time by keyset on seq and encoded as it goes: memory stays flat whatever
 * the size of the export, and a client that stops reading stops the reads.
 */
export function exportAuditStream(filter: AuditFilter, format: ExportFormat, batchSize = EXPORT_BATCH): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let before: number | undefined;
  let headerSent = format !== "csv";
  let done = false;
  let window: SeqWindow | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(enc.encode(CSV_COLUMNS.join(",") + "\r\n"));
        return;
      }
      if (done) return;
      window ??= await timeWindow(filter);
      const rows = await db().auditEvent.findMany({ where: auditWhere(filter, before, window), orderBy: { seq: "desc" }, take: batchSize });
      if (rows.length === 0) {
        done = true;
        controller.close();
        return;
      }
      before = Number(rows[rows.length - 1]!.seq);
      const chunk = rows.map((r) => (format === "csv" ? csvLine(toAuditView(r)) : JSON.stringify(toAuditView(r)) + "\n")).join("");
      controller.enqueue(enc.encode(chunk));
      if (rows.length < batchSize) {
        done = true;
        controller.close();
      }
    },
  });
}
