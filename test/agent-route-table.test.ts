import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { agentRoutes } from "@/lib/api/v1/routes";

/**
 * The bare node:http server serves the agent API from lib/api/v1/routes.ts;
 * Next.js serves the same handlers from app/api/v1/** and app/.well-known.
 * A route file the table lacks still answers, through Next.js at ~10x the CPU,
 * so nothing else would notice. This compares the two, route by route and
 * method by method, and checks that both serve the very same function.
 */
const ROOT = path.resolve(import.meta.dirname, "..");
const AGENT_DIRS = ["app/api/v1", "app/.well-known"];
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

type Served = { method: string; pattern: string; handler: unknown; file: string };

/** `app/api/v1/actions/[id]/route.ts` → `/api/v1/actions/[id]`; route groups `(x)` are not part of the URL. */
function patternOf(file: string): string {
  const segments = path.dirname(path.relative(path.join(ROOT, "app"), file)).split(path.sep);
  return "/" + segments.filter((s) => !/^\(.*\)$/.test(s)).join("/");
}

function routeFiles(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs
    .readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && /^route\.(ts|tsx|js|mjs)$/.test(d.name))
    .map((d) => path.join(d.parentPath, d.name))
    .sort();
}

/** Every method each agent route file exports, with the handler Next.js would call. */
async function servedByNext(): Promise<Served[]> {
  const out: Served[] = [];
  for (const file of AGENT_DIRS.flatMap(routeFiles)) {
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    for (const method of METHODS) {
      if (typeof mod[method] === "function") out.push({ method, pattern: patternOf(file), handler: mod[method], file: path.relative(ROOT, file) });
    }
  }
  return out;
}

const key = (r: { method: string; pattern: string }) => `${r.method} ${r.pattern}`;

describe("the agent route table matches app/api/v1 and app/.well-known", () => {
  it("every route file's every method is in lib/api/v1/routes.ts, and every table entry has its route file", async () => {
    const next = await servedByNext();
    expect(next.length).toBeGreaterThanOrEqual(9);
    const table = new Set(agentRoutes.map(key));
    const files = new Set(next.map(key));
    const missingFromTable = next.filter((r) => !table.has(key(r))).map((r) => `${key(r)} (${r.file})`);
    const missingRouteFile = agentRoutes.filter((r) => !files.has(key(r))).map(key);
    expect({ missingFromTable, missingRouteFile }).toEqual({ missingFromTable: [], missingRouteFile: [] });
  });

  it("the table and Next.js serve the same handler function for each route", async () => {
    const next = new Map((await servedByNext()).map((r) => [key(r), r.handler]));
    const different = agentRoutes.filter((r) => next.get(key(r)) !== r.handler).map(key);
    expect(different).toEqual([]);
  });

  it("lists each method and pattern once", () => {
    const keys = agentRoutes.map(key);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
  });
});
