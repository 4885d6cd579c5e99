import "server-only";
import fs from "node:fs";
import path from "node:path";

type HeaderRule = { source: string; regex: string; headers: { key: string; value: string }[]; has?: unknown; missing?: unknown };
type RoutesManifest = {
  basePath?: string;
  headers?: HeaderRule[];
  onMatchHeaders?: HeaderRule[];
  rewrites?: HeaderRule[] | { beforeFiles?: unknown[]; afterFiles?: unknown[]; fallback?: unknown[] };
};

export type HeadersFor = (pathname: string) => ReadonlyArray<readonly [string, string]>;

/**
 * The response headers a production build adds to a path (next.config.mjs
 * `headers()`, as compiled into .next/routes-manifest.json), for responses
 * served beside Next.js rather than by it. Read from the build, not the
 * config source, so they are the ones the console pages get.
 *
 * Only what this can honour is accepted: a base path, rewrites or conditional
 * (has/missing) header rules would change what a path means, so they stop the
 * start with a message instead of being silently skipped.
 */
export function buildHeaders(distDir: string): HeadersFor {
  const file = path.join(distDir, "routes-manifest.json");
  const manifest = JSON.parse(fs.readFileSync(file, "utf8")) as RoutesManifest;
  const unsupported = (what: string) => new Error(`${file}: ${what} is not supported by the agent API server (lib/http/app-server.ts); extend lib/http/build-headers.ts first`);
  if (manifest.basePath) throw unsupported("basePath");
  const rw = manifest.rewrites;
  const rewrites = Array.isArray(rw) ? rw : [...(rw?.beforeFiles ?? []), ...(rw?.afterFiles ?? []), ...(rw?.fallback ?? [])];
  if (rewrites.length) throw unsupported("rewrites");
  const rules = [...(manifest.headers ?? []), ...(manifest.onMatchHeaders ?? [])].map((r) => {
    if (r.has || r.missing) throw unsupported(`a conditional header rule (${r.source})`);
    return { re: new RegExp(r.regex), pairs: r.headers.map((h) => [h.key, h.value] as const) };
  });
  return (pathname) => rules.filter((r) => r.re.test(pathname)).flatMap((r) => r.pairs);
}
