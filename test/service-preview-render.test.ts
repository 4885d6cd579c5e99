import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { ServicePreview } from "@/components/approvals/ServicePreview";
import { servicePreviewOf } from "@/lib/previews/service-preview";

const render = (p: Parameters<typeof ServicePreview>[0]["preview"]) => renderToString(createElement(ServicePreview, { preview: p })).replaceAll("<!-- -->", "");

describe("the tool service's preview on the card", () => {
  it("is labelled as the tool service's, shows its before/after, and says when it is pending or failed", () => {
    expect(render({ status: "none" })).toBe("");
    expect(render({ status: "pending" })).toContain("Asking the tool service");
    const ok = render({ status: "ok", before: { status: "open" }, after: { status: "closed" }, at: "2026-12-01T12:00:00.000Z" });
    expect(ok).toContain("From the tool service (Gatehouse asked it at 2026-12-01 12:00:00 UTC)");
    expect(ok).toMatch(/open[\s\S]*closed/);
    const failed = render({ status: "failed", error: "The tool service answered HTTP 404." });
    expect(failed).toContain("No preview from the tool service: The tool service answered HTTP 404.");
  });

  it("the stored columns read as the card shows them; an unreadable row is a failure, not a crash", () => {
    expect(servicePreviewOf({ previewStatus: null, previewResult: null, previewAt: null })).toEqual({ status: "none" });
    expect(servicePreviewOf({ previewStatus: "running", previewResult: null, previewAt: null })).toEqual({ status: "pending" });
    expect(servicePreviewOf({ previewStatus: "ok", previewResult: '{"before":1,"after":2}', previewAt: new Date(0) })).toEqual({
      status: "ok",
      before: 1,
      after: 2,
      at: "1970-01-01T00:00:00.000Z",
    });
    expect(servicePreviewOf({ previewStatus: "failed", previewResult: "{", previewAt: null })).toEqual({ status: "failed", error: "The stored preview is unreadable." });
  });
});
