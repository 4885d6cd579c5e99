import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * React Query caches by key: two keys for one endpoint are two caches, and a
 * mutation that invalidates one leaves the other stale (two kill-switch lists
 * did exactly that). Keys come from one builder per feature
 * (components/<feature>/query-keys.ts); this reads every useQuery in
 * components/ and fails on a key written inline or an endpoint cached under
 * two different builders.
 */
const ROOT = path.resolve(import.meta.dirname, "..");

function sources(dir: string): { file: string; text: string }[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && /\.tsx?$/.test(d.name))
    .map((d) => path.join(d.parentPath, d.name))
    .map((f) => ({ file: path.relative(ROOT, f), text: fs.readFileSync(f, "utf8") }));
}

type Use = { file: string; key: string; endpoint: string | null };

/** Each useQuery option object: the key expression's builder (e.g. `adminKeys.users`) and the console URL it fetches. */
function queries(files: { file: string; text: string }[]): Use[] {
  const out: Use[] = [];
  for (const { file, text } of files) {
    const starts = [...text.matchAll(/\buseQuery\s*(?:<[^(]*>)?\s*\(\s*\{/g)].map((m) => m.index);
    starts.forEach((start, i) => {
      const body = text.slice(start, starts[i + 1] ?? text.length);
      const key = /queryKey:\s*([^,\n}]+)/.exec(body)?.[1]?.trim() ?? "(none)";
      // The URL argument as written (a template's expressions included), so `?view=queue` and `?view=history` stay apart.
      const endpoint = /fetchConsole(?:<[^(]*>)?\(\s*(`\/api\/console\/[^`]*`|"\/api\/console\/[^"]*")/.exec(body)?.[1] ?? null;
      out.push({ file, key: key.replace(/\(.*$/s, ""), endpoint });
    });
  }
  return out;
}

/** invalidateQueries / refetchQueries / setQueryData calls whose key is an inline array. */
function inlineKeyedCalls(files: { file: string; text: string }[]): string[] {
  const out: string[] = [];
  for (const { file, text } of files) {
    for (const m of text.matchAll(/\b(invalidateQueries|refetchQueries|removeQueries|cancelQueries|setQueryData|getQueryData)\(\s*(\{\s*queryKey:\s*)?\[/g))
      out.push(`${file}: ${m[1]} with an inline key`);
  }
  return out;
}

describe("React Query keys: one builder per feature, one key per endpoint", () => {
  const files = sources("components");
  const uses = queries(files);

  it("finds the console's queries", () => {
    expect(uses.length).toBeGreaterThan(10);
  });

  it("every query key comes from a feature's key builder, never an inline array", () => {
    const inline = uses.filter((u) => !/^\w+Keys\.\w+$/.test(u.key)).map((u) => `${u.file}: queryKey ${u.key}`);
    expect([...inline, ...inlineKeyedCalls(files)]).toEqual([]);
  });

  it("each console endpoint is cached under one key builder", () => {
    const byEndpoint = new Map<string, Set<string>>();
    for (const u of uses) if (u.endpoint) byEndpoint.set(u.endpoint, (byEndpoint.get(u.endpoint) ?? new Set()).add(u.key));
    const twice = [...byEndpoint].filter(([, keys]) => keys.size > 1).map(([endpoint, keys]) => `${endpoint}: ${[...keys].sort().join(", ")}`);
    expect(twice).toEqual([]);
  });
});
