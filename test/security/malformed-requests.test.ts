import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "../support/demo-db";
import { makeRoute, makeUser } from "../support/fixtures";
import { db } from "@/lib/db/client";
import { createCredential } from "@/lib/agents/create-credential";
import { call, stateCounts } from "./helpers";
import { CookieJar, csrfToken, signIn, startConsoleServer, type ConsoleServer } from "./console-server";
import { rawRequest } from "./raw-http";
import http from "node:http";
import { MAX_BODY_BYTES } from "@/lib/http/parse-body";

// Threat: a request the server cannot parse — a malformed percent-escape in a
// path, a body that is not UTF-8 — makes it fail (5xx) instead of refusing
// (4xx): noise in the error budget and alerts, and a sign that input reaches
// code that did not expect it. Every malformed request is a clear 4xx that
// changes nothing, on every surface of the real server (the bare agent router
// and Next.js: console API, pages, next-auth), signed in or not.

let ctx: Awaited<ReturnType<typeof freshDemoDb>>;
let server: ConsoleServer;
let jar: CookieJar;
let key: string;
let runId: string;

beforeAll(async () => {
  ctx = await freshDemoDb();
  await db().user.updateMany({ data: { disabled: true } });
  await db().agentCredential.updateMany({ data: { revokedAt: new Date() } });
  await makeUser("admin.malformed@example.com", ["admin", "reviewer"]);
  await makeRoute("malformed/route", { allow_tools: ["kb.search"], budgets: { steps: 10_000, seconds: 86_400, usd: 100 } });
  key = (await createCredential({ name: "malformed", tenantId: "acme", env: "prod", routes: ["malformed/route"] })).key;
  server = await startConsoleServer(ctx.databaseUrl, ctx.dataDir);
  jar = await signIn(server.url, "admin.malformed@example.com", "pw-admin.malformed@example.com");
  runId = (await call(server.url, "POST", "/api/v1/runs", key, { route: "malformed/route" })).body.run_id;
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await ctx?.cleanup();
});

const BAD_ESCAPES = ["%E0%A4%A", "%", "%ZZ", "%C0%AF", "%ED%A0%80", "%FF", "abc%E0", "%25%E0"];
const PATHS = [
  "/api/v1/actions/{}",
  "/api/v1/actions/{}/cancel",
  "/api/v1/actions/{}/result",
  "/api/v1/runs/{}/token",
  "/api/v1/{}",
  "/api/console/actions/{}",
  "/api/console/actions/{}/vote",
  "/api/console/audit/{}",
  "/api/console/tools/{}",
  "/api/console/users/{}",
  "/api/console/webhooks/{}",
  "/api/console/{}",
  "/actions/{}",
  "/audit/{}",
  "/policies/{}",
  "/policies/support/{}",
  "/break-glass/review/{}",
  "/api/auth/{}",
  "/{}",
];

const headersFor = (signedIn: boolean): Array<[string, string]> => [
  ["Authorization", `Bearer ${key}`],
  ["X-Gatehouse-Console", "1"],
  ["Origin", server.url],
  ...(signedIn ? ([["Cookie", jar.header()]] as Array<[string, string]>) : []),
];

describe("a malformed percent-escape in any path is a 4xx, never a 5xx", () => {
  it("agent API, console API, pages and next-auth; GET and POST; signed in and not", async () => {
    const before = await stateCounts();
    const failures: string[] = [];
    for (const p of PATHS) {
      for (const bad of BAD_ESCAPES) {
        const path = p.replace("{}", bad);
        for (const method of ["GET", "POST"]) {
          for (const signedIn of [true, false]) {
            const res = await rawRequest(server.url, { method, path, headers: headersFor(signedIn), body: method === "POST" ? Buffer.from("{}") : undefined }).catch(
              (err: unknown) => ({ status: 0, headers: {} as Record<string, string>, error: String(err) }),
            );
            if (res.status < 400 || res.status >= 500) failures.push(`${method} ${path}${signedIn ? " (signed in)" : ""} → ${res.status}`);
            else if (!res.headers["x-request-id"]) failures.push(`${method} ${path} → ${res.status} without a request id`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
    const after = await stateCounts();
    expect({ ...after, audit: 0 }).toEqual({ ...before, audit: 0 });
  }, 120_000);

  it("the refusal says what is wrong, as JSON with the request id, on the agent and console APIs", async () => {
    for (const path of ["/api/v1/actions/%E0%A4%A", "/api/console/actions/%E0%A4%A"]) {
      const res = await rawRequest(server.url, { method: "GET", path, headers: headersFor(true) });
      expect(res.status, path).toBe(400);
      const body = JSON.parse(res.body.toString("utf8"));
      expect(body.error.code).toBe("bad_request");
      expect(body.error.request_id).toBe(res.headers["x-request-id"]);
    }
  });

  it("well-formed escapes still route: an encoded id is decoded once and answered 404", async () => {
    const res = await call(server.url, "GET", "/api/v1/actions/act%5Fnope", key);
    expect(res.status).toBe(404);
    const page = await rawRequest(server.url, { method: "GET", path: "/policies/%25E0", headers: headersFor(true) });
    expect(page.status).toBeLessThan(500);
  });
});

describe("a body that is not UTF-8 is refused (400), not repaired", () => {
  const invalid = [
    Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), // {"a":"\xff"}
    Buffer.concat([Buffer.from('{"q":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]), // overlong "/"
    Buffer.concat([Buffer.from('{"q":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]), // a UTF-16 surrogate in UTF-8
    Buffer.concat([Buffer.from('{"q":"'), Buffer.from([0xe2, 0x82]), Buffer.from('"}')]), // truncated sequence
  ];

  it("on the agent API: 400 bad_json, no action, no audit row", async () => {
    for (const bytes of invalid) {
      const before = await stateCounts();
      const proposal = Buffer.concat([
        Buffer.from(`{"run_id":"${runId}","tool":"kb.search","idempotency_key":"utf8-${bytes.toString("hex")}","args":{"query":"`),
        bytes.subarray(6, bytes.length - 2),
        Buffer.from('"}}'),
      ]);
      const res = await rawRequest(server.url, {
        method: "POST",
        path: "/api/v1/actions",
        headers: [
          ["Authorization", `Bearer ${key}`],
          ["Content-Type", "application/json"],
        ],
        body: proposal,
      });
      expect(res.status, bytes.toString("hex")).toBe(400);
      expect(JSON.parse(res.body.toString("utf8")).error.code).toBe("bad_json");
      expect(await stateCounts()).toEqual(before);
    }
  });

  it("on the console API (signed in, CSRF headers): 400 bad_json, nothing changed", async () => {
    for (const bytes of invalid) {
      const before = await stateCounts();
      const res = await rawRequest(server.url, {
        method: "POST",
        path: "/api/console/kill-switches",
        headers: [...headersFor(true), ["Content-Type", "application/json"]],
        body: bytes,
      });
      expect(res.status, bytes.toString("hex")).toBe(400);
      expect(JSON.parse(res.body.toString("utf8")).error.code).toBe("bad_json");
      expect(await stateCounts()).toEqual(before);
    }
  });
});

describe("next-auth: a body it is told is JSON but is not is refused (400), not a 500", () => {
  // next-auth 4 reads such a body with req.json() and lets the SyntaxError escape (a fuzz run found it on POST /api/auth/1).
  const bodies = ["xx{", "{", '{"csrfToken":', "%E0%A4%A", "\u00ff\u00fe"];
  const paths = ["/api/auth/1", "/api/auth/callback/credentials", "/api/auth/signin/credentials", "/api/auth/signout", "/api/auth/session", "/api/auth/csrf", "/api/auth/_log"];
  const contentTypes = ["application/json", "application/json; charset=utf-8", "text/plain; application/json"];

  it("every next-auth action, signed in and not: 400 bad_json with a request id; nothing changed; sign-in still works", async () => {
    for (const path of paths) {
      for (const signedIn of [false, true]) {
        for (const [i, body] of bodies.entries()) {
          const before = await stateCounts();
          const res = await rawRequest(server.url, {
            method: "POST",
            path,
            headers: [...headersFor(signedIn), ["Content-Type", contentTypes[i % contentTypes.length] ?? "application/json"]],
            body: Buffer.from(body, "latin1"),
          });
          const what = `POST ${path} ${JSON.stringify(body)} signed in: ${signedIn}`;
          expect(res.status, what).toBe(400);
          const parsed = JSON.parse(res.body.toString("utf8"));
          expect(parsed.error.code, what).toBe("bad_json");
          expect(parsed.error.request_id ?? parsed.request_id, what).toBeTruthy();
          expect(res.headers["set-cookie"], what).toBeUndefined();
          expect(await stateCounts()).toEqual(before);
        }
      }
    }
    // Valid JSON still reaches next-auth, and the form sign-in (the console's) is untouched.
    const logged = await rawRequest(server.url, { method: "POST", path: "/api/auth/_log", headers: [["Content-Type", "application/json"]], body: Buffer.from("{}") });
    expect(logged.status).toBe(200);
    const again = await signIn(server.url, "admin.malformed@example.com", "pw-admin.malformed@example.com");
    expect(again.header()).toContain("session-token");
  });
});

describe("next-auth: a body over the limit, or not UTF-8, is refused before next-auth reads it", () => {
  // next-auth buffers any POST body whole: without this an unauthenticated caller could make the server hold megabytes per request.
  const email = "admin.malformed@example.com";
  const password = `pw-${email}`;

  /** A correct credentials sign-in, padded to `size` bytes, sent with a declared length or chunked (no length). */
  async function paddedSignIn(size: number, chunked: boolean): Promise<{ status: number; body: string; setCookie: string[] }> {
    const jar = new CookieJar();
    const csrf = await csrfToken(server.url, jar);
    const form = new URLSearchParams({ csrfToken: csrf, email, password, json: "true" }).toString();
    const body = Buffer.from(`${form}&pad=${"a".repeat(Math.max(0, size - form.length - 5))}`);
    const url = new URL("/api/auth/callback/credentials", server.url);
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", cookie: jar.header() };
      if (!chunked) headers["content-length"] = String(body.length);
      const req = http.request(url, { method: "POST", headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), setCookie: [res.headers["set-cookie"] ?? []].flat() }));
      });
      req.on("error", reject);
      // Chunked: the body in 8 KiB pieces, so the limit is met while it streams.
      for (let i = 0; i < body.length; i += 8192) req.write(body.subarray(i, i + 8192));
      req.end();
    });
  }

  it("a correct sign-in padded past the limit: 413, no session, whether the length is declared or streamed; under the limit it signs in", async () => {
    for (const chunked of [false, true]) {
      const before = await stateCounts();
      const res = await paddedSignIn(MAX_BODY_BYTES + 1, chunked);
      expect(res.status, `chunked: ${chunked}`).toBe(413);
      expect(JSON.parse(res.body).error.code).toBe("payload_too_large");
      expect(res.setCookie.join(";")).not.toContain("session-token");
      expect(await stateCounts()).toEqual(before);
    }
    const under = await paddedSignIn(MAX_BODY_BYTES - 1024, true);
    expect(under.status, under.body).toBe(200);
    expect(under.setCookie.join(";")).toContain("session-token");
  });

  it("a form body that is not UTF-8: 400, no session", async () => {
    const res = await rawRequest(server.url, {
      method: "POST",
      path: "/api/auth/callback/credentials",
      headers: [["Content-Type", "application/x-www-form-urlencoded"]],
      body: Buffer.concat([Buffer.from(`email=${encodeURIComponent("admin.malformed@example.com")}&password=`), Buffer.from([0xff, 0xfe])]),
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body.toString("utf8")).error.code).toBe("bad_json");
    expect(res.headers["set-cookie"] ?? "").not.toContain("session-token");
  });
});
