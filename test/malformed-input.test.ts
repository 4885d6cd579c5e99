import { describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { proxy } from "@/proxy";
import { readJson } from "@/lib/http/parse-body";
import { decodeSegment, isDecodablePath } from "@/lib/http/decode-path";
import { AppError } from "@/lib/errors";

// Malformed input is the caller's mistake, answered 4xx: a path whose %-escapes do
// not decode (the rule shared by the routers and proxy.ts), a body that is not UTF-8.
// The real server is covered in test/security/malformed-requests.test.ts; this pins
// the pieces, proxy.ts included (which `next start` / `next dev` rely on).

describe("paths whose %-escapes do not decode", () => {
  it("isDecodablePath: the path part only, query ignored", () => {
    for (const p of ["/api/v1/actions/%E0%A4%A", "/%", "/a/%ZZ", "/%C0%AF", "/x%ED%A0%80", "/%FF?ok=1"]) expect(isDecodablePath(p), p).toBe(false);
    for (const p of ["/", "/api/v1/actions/act_1", "/a%20b", "/%25E0", "/q?x=%E0", "/%E6%97%A5"]) expect(isDecodablePath(p), p).toBe(true);
    expect(decodeSegment("%E0%A4%A")).toBeNull();
    expect(decodeSegment("a%2Fb")).toBe("a/b");
  });

  it("proxy.ts answers 400 JSON with a request id before Next.js routes the request", async () => {
    const res = proxy(new NextRequest("http://127.0.0.1:3000/api/console/actions/%E0%A4%A"));
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe("bad_request");
    expect(body.error.request_id).toBe(res.headers.get("x-request-id"));
    expect(proxy(new NextRequest("http://127.0.0.1:3000/actions/act_1")).status).toBe(200);
  });
});

describe("bodies that are not UTF-8 are refused, not repaired", () => {
  it.each([
    ["a lone continuation byte", [0xff]],
    ["an overlong slash", [0xc0, 0xaf]],
    ["a surrogate encoded in UTF-8", [0xed, 0xa0, 0x80]],
    ["a truncated sequence", [0xe2, 0x82]],
  ])("%s → 400 bad_json", async (_name, bytes) => {
    const body = Buffer.concat([Buffer.from('{"q":"'), Buffer.from(bytes), Buffer.from('"}')]);
    const req = new Request("http://127.0.0.1/x", { method: "POST", headers: { "content-type": "application/json" }, body });
    const err = await readJson(req).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("bad_json");
  });

  it("valid UTF-8 (multi-byte, emoji) still parses", async () => {
    const req = new Request("http://127.0.0.1/x", { method: "POST", headers: { "content-type": "application/json" }, body: Buffer.from('{"q":"日本語 🎉"}') });
    expect(await readJson(req)).toEqual({ q: "日本語 🎉" });
  });
});
