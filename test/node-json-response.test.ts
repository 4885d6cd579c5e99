import { describe, expect, it } from "vitest";
import { handler } from "@/lib/http/handler";
import { NodeRequest } from "@/lib/http/node-request";
import { NodeJsonResponse } from "@/lib/http/node-json-response";
import { AppError } from "@/lib/errors";

// ctx.json answers the node:http router without a WHATWG Response, and everyone else with one; both say the same.

const nodeReq = () => new NodeRequest("http://x/api/v1/t", "POST", { "x-request-id": "req-test-0001" }, new AbortController().signal, undefined);
const webReq = () => new Request("http://x/api/v1/t", { method: "POST", headers: { "x-request-id": "req-test-0001" } });

async function answer(res: Response): Promise<{ status: number; headers: Record<string, string>; text: string }> {
  const text = res instanceof NodeJsonResponse ? res.text : await res.text();
  return { status: res.status, headers: Object.fromEntries(res.headers), text };
}

describe("ctx.json", () => {
  const ok = handler(async (_req, { json }) => json({ a: 1, s: "é\u2028" }, 201));
  const fails = handler(async () => {
    throw new AppError("not_found", "No such run.");
  });

  it("gives the node:http router a NodeJsonResponse and anyone else a Response, with the same status, headers and body", async () => {
    const lean = await ok(nodeReq(), { params: Promise.resolve({}) });
    const web = await ok(webReq(), { params: Promise.resolve({}) });
    expect(lean).toBeInstanceOf(NodeJsonResponse);
    expect(web).toBeInstanceOf(Response);
    expect(await answer(lean)).toEqual(await answer(web));
    expect((await answer(lean)).headers).toMatchObject({ "content-type": "application/json", "x-request-id": "req-test-0001", "cache-control": "no-store" });
  });

  it("answers errors the same way on both", async () => {
    const lean = await fails(nodeReq(), { params: Promise.resolve({}) });
    const web = await fails(webReq(), { params: Promise.resolve({}) });
    expect(lean).toBeInstanceOf(NodeJsonResponse);
    expect(await answer(lean)).toEqual(await answer(web));
    expect(lean.status).toBe(404);
  });

  it("refuses a value with no JSON form, as Response.json does", () => {
    expect(() => new NodeJsonResponse(undefined)).toThrow(TypeError);
    expect(() => Response.json(undefined)).toThrow(TypeError);
  });
});
