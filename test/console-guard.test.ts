import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encode } from "next-auth/jwt";
import { freshDb } from "./support/db";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { consoleHandler, consoleMutation } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { sessionCookieName } from "@/lib/auth/session-cookie";
import { GET as health } from "@/app/api/health/route";
import { GET as ready } from "@/app/api/ready/route";

let cleanup: () => Promise<void>;
let adminId: string;
beforeAll(async () => {
  ({ cleanup } = await freshDb());
  adminId = (await db().user.create({ data: { email: "admin@t.local", name: "Admin", roles: "admin" } })).id;
});
afterAll(() => cleanup());

const URL_ = "http://localhost:3000/api/console/thing";
const noParams = { params: Promise.resolve({}) };

function refused(fn: () => void) {
  expect(fn).toThrow(expect.objectContaining({ code: "forbidden", message: "cross-site request refused" }));
}

describe("consoleMutation (CSRF)", () => {
  it("refuses a mutation without X-Gatehouse-Console: 1, even from the same origin", () => {
    refused(() => consoleMutation(new Request(URL_, { method: "POST", headers: { origin: "http://localhost:3000" } })));
    refused(() => consoleMutation(new Request(URL_, { method: "DELETE", headers: { "x-gatehouse-console": "yes" } })));
  });

  it("refuses a cross-site Origin even with the header", () => {
    for (const origin of ["https://evil.example", "http://localhost:3001", "null"]) {
      refused(() => consoleMutation(new Request(URL_, { method: "POST", headers: { origin, "x-gatehouse-console": "1" } })));
    }
  });

  it("accepts the header with the server's own origin, or with no Origin at all", () => {
    expect(() => consoleMutation(new Request(URL_, { method: "PATCH", headers: { origin: "http://localhost:3000", "x-gatehouse-console": "1" } }))).not.toThrow();
    expect(() => consoleMutation(new Request(URL_, { method: "POST", headers: { "x-gatehouse-console": "1" } }))).not.toThrow();
  });

  it("reads need neither", () => {
    expect(() => consoleMutation(new Request(URL_, { headers: { origin: "https://evil.example" } }))).not.toThrow();
  });

  it("consoleHandler refuses a cross-site mutation even from a signed-in admin (403 JSON)", async () => {
    const token = await encode({ token: { sub: adminId }, secret: env().sessionSecret, maxAge: 600 });
    const route = consoleHandler(["admin"], async () => json({ done: true }));
    const cookie = `${sessionCookieName()}=${token}`;
    const evil = await route(new Request(URL_, { method: "POST", headers: { cookie, origin: "https://evil.example", "x-gatehouse-console": "1" } }), noParams);
    expect(evil.status).toBe(403);
    expect((await evil.json()).error.message).toBe("cross-site request refused");
    const ok = await route(new Request(URL_, { method: "POST", headers: { cookie, origin: "http://localhost:3000", "x-gatehouse-console": "1" } }), noParams);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-request-id")).toBeTruthy();
  });
});

describe("health and readiness", () => {
  it("/api/health is ok and /api/ready checks the database", async () => {
    expect(await (await health(new Request("http://localhost/api/health"), noParams)).json()).toEqual({ status: "ok" });
    const res = await ready(new Request("http://localhost/api/ready"), noParams);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ready", database: env().provider });
  });
});
