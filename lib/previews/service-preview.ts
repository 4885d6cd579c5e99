import type { ServicePreview } from "@/lib/approvals/card-payload";

/** The stored preview columns of an action. */
export type PreviewColumns = { previewStatus: string | null; previewResult: string | null; previewAt: Date | null };

/**
 * The tool service's preview as the card shows it: none (the tool names no
 * endpoint), pending (asked, or being asked), ok with before/after, or failed
 * with Gatehouse's own words for why. Lenient: an unreadable row is "failed".
 */
export function servicePreviewOf(a: PreviewColumns): ServicePreview {
  if (a.previewStatus === null) return { status: "none" };
  if (a.previewStatus === "pending" || a.previewStatus === "running") return { status: "pending" };
  const at = a.previewAt?.toISOString();
  let stored: { before?: unknown; after?: unknown; error?: unknown } = {};
  try {
    const v: unknown = a.previewResult ? JSON.parse(a.previewResult) : {};
    if (v && typeof v === "object" && !Array.isArray(v)) stored = v as typeof stored;
  } catch {
    return { status: "failed", error: "The stored preview is unreadable.", ...(at ? { at } : {}) };
  }
  if (a.previewStatus === "ok") return { status: "ok", before: stored.before, after: stored.after, ...(at ? { at } : {}) };
  return { status: "failed", error: typeof stored.error === "string" ? stored.error : "The preview request failed.", ...(at ? { at } : {}) };
}
