import type { ServicePreview as ServicePreviewData } from "@/lib/approvals/card-payload";
import { PreviewDiff } from "@/components/approvals/PreviewDiff";

/**
 * The tool service's own before/after (asked by Gatehouse with a read-only preview token, never by
 * the agent), labelled as such and kept apart from the agent's claim. A pending request and a
 * failure are said plainly; the error text is Gatehouse's. Drop-in for the card's "What will change".
 */
export function ServicePreview({ preview }: { preview: ServicePreviewData }) {
  if (preview.status === "none") return null;
  return (
    <div data-testid="service-preview" data-status={preview.status} className="space-y-1 rounded border border-sky-200 bg-sky-50/60 p-2">
      <p className="text-xs font-medium text-sky-900">
        From the tool service (Gatehouse asked it{preview.at ? ` at ${new Date(preview.at).toISOString().replace("T", " ").slice(0, 19)} UTC` : ""})
      </p>
      {preview.status === "pending" ? <p className="text-xs text-slate-600">Asking the tool service for the current state…</p> : null}
      {preview.status === "failed" ? (
        <p role="status" className="text-xs font-medium text-red-800">
          No preview from the tool service: {preview.error ?? "the request failed."}
        </p>
      ) : null}
      {preview.status === "ok" ? <PreviewDiff before={preview.before} after={preview.after} /> : null}
    </div>
  );
}
