import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { safeCallbackPath } from "@/lib/auth/callback-url";

// The one check every callbackUrl goes through (sign-in page, next-auth's redirect
// callback, the console layout's redirect to /signin). Over real HTTP in
// test/security/sessions-and-sign-in.test.ts; here, any string at all.

const ORIGIN = "https://gatehouse.example";

describe("safeCallbackPath: a path on this origin, or /", () => {
  it("any string becomes a same-origin path a browser reads the same way, in printable ASCII", () => {
    const pieces = fc.constantFrom(
      "/",
      "\\",
      "\t",
      "\n",
      "\r",
      " ",
      ".",
      "..",
      "%09",
      "%5C",
      "%2F",
      "evil.example",
      "https:",
      "//",
      "\u0000",
      "\u3002",
      "\u65e5",
      "?",
      "#",
      "@",
      ":",
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(pieces, { maxLength: 8 }).map((a) => a.join("")),
        ),
        (value) => {
          const out = safeCallbackPath(value, ORIGIN);
          expect(out).toMatch(/^\/(?![/\\])[\x21-\x7e]*$|^\/$/);
          expect(new URL(out, `${ORIGIN}/signin`).origin).toBe(ORIGIN);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it.each([
    "/\t/evil.example",
    "/\\evil.example",
    "//evil.example",
    "/.//evil.example",
    "https://evil.example",
    "java\tscript:alert(1)",
    "/\r\n/evil.example",
    null,
    undefined,
    42,
    "",
  ])("%j → /", (value) => {
    expect(safeCallbackPath(value, ORIGIN)).toBe("/");
  });

  it("keeps an ordinary path with its query and fragment; an absolute URL on this origin becomes its path", () => {
    expect(safeCallbackPath("/audit?type=user.signed_in#top", ORIGIN)).toBe("/audit?type=user.signed_in#top");
    expect(safeCallbackPath(`${ORIGIN}/queue`, ORIGIN)).toBe("/queue");
    expect(safeCallbackPath("/policies/support/draft", ORIGIN)).toBe("/policies/support/draft");
    expect(safeCallbackPath("/caf\u00e9", ORIGIN)).toBe("/caf%C3%A9");
  });
});
