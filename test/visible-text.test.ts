import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { editableJson, visibleText } from "@/components/approvals/visible-text";

const HIDDEN = ["\u202e", "\u202c", "\u200b", "\u2066", "\ufeff", "\u0085", "\u2028"];

describe("agent text made visible", () => {
  it("shows bidi, zero-width and control characters as markers", () => {
    expect(visibleText("a\u202eb\u200bc\u0007")).toBe("a⟨U+202E⟩b⟨U+200B⟩c\u2407");
  });

  it("the edit box's JSON shows every hidden character as an escape and parses back to the same value", () => {
    const value = { subject: "ok\u202eevorppa\u202c", body: "x\u200by\u0007\n", n: 3 };
    const text = editableJson(value);
    for (const ch of HIDDEN) expect(text).not.toContain(ch);
    expect(text).toContain("\\u202e");
    expect(JSON.parse(text)).toEqual(value);
  });

  it("round-trips any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = editableJson(v);
        for (const ch of HIDDEN) expect(text).not.toContain(ch);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(v)));
      }),
    );
  });
});
