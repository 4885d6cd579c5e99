import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "./support/demo-db";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";

// No agent credential reaches any console or break-glass endpoint. The routes are found on disk,
// so a console route added later is covered without touching this file.

const CONSOLE_API = path.join(process.cwd(), "app", "api", "console");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

function routeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return routeFiles(p);
    return e.name === "route.ts" ? [p] : [];
  });
}

/** `[id]` → a plausible value; the request must be refused before the value matters. */
function paramsFor(file: string): Record<string, string> {
  const names = [...path.relative(CONSOLE_API, file).matchAll(/\[\.{0,3}([^\]]+)\]/g)].map((m) => m[1]!);
  return Object.fromEntries(names.map((n) => [n, "1"]));
}

let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
});
afterAll(() => cleanup());

describe("agent keys on console endpoints", () => {
  const files = routeFiles(CONSOLE_API);

  it("finds the console routes on disk, break-glass among them", () => {
    expect(files.length).toBeGreaterThan(5);
    expect(files.some((f) => f.includes(`${path.sep}break-glass${path.sep}`))).toBe(true);
  });

  it.each(files.map((f) => [path.relative(process.cwd(), f), f] as const))("%s refuses a valid agent key (401/403)", async (_name, file) => {
    const mod = (await import(file)) as Record<string, unknown>;
    const handlers = METHODS.filter((m) => typeof mod[m] === "function");
    expect(handlers.length).toBeGreaterThan(0);
    for (const agent of DEMO_AGENTS) {
      for (const method of handlers) {
        const route = mod[method] as (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
        // A same-origin console mutation in every other respect: only the missing session should stop it.
        const url = `http://localhost:3000/${path.relative(path.join(process.cwd(), "app"), path.dirname(file)).split(path.sep).join("/")}`;
        const req = new Request(url, {
          method,
          headers: {
            authorization: `Bearer ${agent.key}`,
            "x-gatehouse-console": "1",
            origin: "http://localhost:3000",
            "content-type": "application/json",
          },
          body: method === "GET" ? undefined : JSON.stringify({ password: "x", reason: "x", session_id: "x", action_id: "x" }),
        });
        const res = await route(req, { params: Promise.resolve(paramsFor(file)) });
        expect([401, 403], `${method} ${file} as ${agent.name} answered ${res.status}`).toContain(res.status);
      }
    }
  });
});
