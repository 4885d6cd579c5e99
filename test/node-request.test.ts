import { describe, expect, it } from "vitest";
import { LazyAbort, NodeRequest, bufferedBody } from "@/lib/http/node-request";
import { readJson } from "@/lib/http/parse-body";

// What the node:http router hands route handlers instead of a WHATWG Request.

const make = (body?: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
  new NodeRequest("http://127.0.0.1:1/api/v1/actions?x=1", "POST", headers, new AbortController().signal, body === undefined ? undefined : Buffer.from(body));

describe("NodeRequest", () => {
  it("has the members the agent handlers use", () => {
    const req = make("{}", { "content-type": "application/json", authorization: "Bearer k", "x-request-id": "r1" });
    expect(req.method).toBe("POST");
    expect(new URL(req.url).searchParams.get("x")).toBe("1");
    expect(req.headers.get("Authorization")).toBe("Bearer k");
    expect(req.signal.aborted).toBe(false);
  });

  it("gives its body to readJson once, with the same checks as a Request's stream", async () => {
    expect(await readJson(make(`{"a":[1,2]}`))).toEqual({ a: [1, 2] });
    await expect(readJson(make(`{"a":1,"a":2}`))).rejects.toMatchObject({ code: "bad_json" });
    await expect(readJson(make("x".repeat(70_000)))).rejects.toMatchObject({ code: "payload_too_large" });
    const req = make(`{"a":1}`);
    await readJson(req);
    expect(() => bufferedBody(req)).toThrow(/already been read/);
  });

  it("reads the same as a Request through text(), json(), arrayBuffer() and the stream", async () => {
    const body = `{"é":"ü"}`;
    expect(await make(body).text()).toBe(await new Request("http://x/", { method: "POST", body }).text());
    expect(await make(body).json()).toEqual({ é: "ü" });
    expect(Buffer.from(await make(body).arrayBuffer()).toString()).toBe(body);
    const reader = make(body).body!.getReader();
    const chunks: Uint8Array[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
    expect(Buffer.concat(chunks).toString()).toBe(body);
    expect(make().body).toBeNull();
    // No body reads as empty text, as a Request without one does.
    await expect(readJson(make())).rejects.toMatchObject({ code: "bad_json" });
    await expect(readJson(new Request("http://x/", { method: "POST", headers: { "content-type": "application/json" } }))).rejects.toMatchObject({ code: "bad_json" });
  });

  it("is not taken for another kind of request", async () => {
    expect(bufferedBody(new Request("http://x/", { method: "POST", body: "{}" }))).toBeNull();
    expect(await readJson(new Request("http://x/", { method: "POST", body: `{"b":true}`, headers: { "content-type": "application/json" } }))).toEqual({ b: true });
  });
});

describe("LazyAbort", () => {
  it("makes no controller until the signal is asked for, and remembers an abort from before", () => {
    const early = new LazyAbort();
    early.abort();
    expect(early.signal.aborted).toBe(true);
    const late = new LazyAbort();
    const signal = late.signal;
    expect(signal.aborted).toBe(false);
    late.abort();
    expect(signal.aborted).toBe(true);
  });

  it("is what a NodeRequest's signal reads, on first use", () => {
    let made = 0;
    const lazy = new LazyAbort();
    const req = new NodeRequest("http://x/", "GET", {}, () => (made++, lazy.signal), undefined);
    expect(made).toBe(0);
    lazy.abort();
    expect(req.signal.aborted).toBe(true);
    expect(req.signal).toBe(req.signal);
    expect(made).toBe(1);
  });
});
