import fs from "node:fs";
import path from "node:path";

/**
 * Which lib/ modules are server modules, i.e. must never reach a client bundle and so
 * start with `import "server-only"` (checked by test/server-only.test.ts, added by
 * scripts/add-server-only.ts).
 *
 * A server module is a lib/ module that, through its value imports (`import type` leaves
 * nothing at run time and does not count), reaches a server resource: the database
 * (every module of lib/db, a driver, Prisma), the environment and its secrets (lib/env), Node's file
 * system, crypto, processes or network, or argon2. lib/sdk is left out: it is the
 * agents' and tool services' SDK, which runs outside this app and imports nothing of it.
 */

const root = path.resolve(import.meta.dirname, "..");

/** Imports that make the importing module a server module. */
const SERVER_RESOURCES: RegExp[] = [
  /^@\/lib\/db(\/|$)/,
  /^@\/lib\/env$/,
  /^(node:)?(fs|fs\/promises|crypto|child_process|net|http|https|os|worker_threads|dns|tls)$/,
  /^(argon2|pg|better-sqlite3|@prisma\/.*|prom-client|next-auth(\/.*)?|request-filtering-agent)$/,
];

const EXCLUDED_DIRS = ["lib/db/generated/", "lib/sdk/"];

export const SERVER_ONLY_LINE = 'import "server-only";';

/** Every .ts/.tsx file under lib/ that is not generated, relative to the repo root, sorted. */
export function libFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!EXCLUDED_DIRS.includes(`${rel}/`) && !rel.startsWith("lib/db/generated")) walk(rel);
      } else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(rel);
    }
  };
  walk("lib");
  return out.sort();
}

/** The specifiers a file imports or re-exports at run time (type-only imports left out). */
export function valueImports(source: string): string[] {
  const specs: string[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?([^;]*?)\s*from\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/gm;
  for (const m of source.matchAll(re)) {
    if (m[5]) specs.push(m[5]);
    else if (m[6]) specs.push(m[6]);
    else if (m[4] && !m[2] && !isAllTypeSpecifiers(m[3] ?? "")) specs.push(m[4]);
  }
  return specs;
}

/** `{ type A, type B }` imports nothing at run time. */
function isAllTypeSpecifiers(clause: string): boolean {
  const braces = /^\{([\s\S]*)\}$/.exec(clause.trim());
  if (!braces) return false;
  const names = braces[1]!
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return names.length > 0 && names.every((n) => n.startsWith("type "));
}

/** The lib/ file a specifier names, or null when it is a package or outside lib/. */
export function resolveLib(from: string, spec: string): string | null {
  let base: string;
  if (spec.startsWith("@/")) base = spec.slice(2);
  else if (spec.startsWith(".")) base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  else return null;
  if (!base.startsWith("lib/")) return null;
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`, `${base}/index.tsx`]) {
    if (/\.tsx?$/.test(candidate) && fs.existsSync(path.join(root, candidate))) return candidate;
  }
  return null;
}

/** lib/ modules that are server modules (see the file comment), sorted. */
export function serverModules(): string[] {
  const files = libFiles();
  const imports = new Map(files.map((f) => [f, valueImports(fs.readFileSync(path.join(root, f), "utf8"))]));
  const memo = new Map<string, boolean>();
  const isServer = (file: string, stack: Set<string>): boolean => {
    const known = memo.get(file);
    if (known !== undefined) return known;
    if (stack.has(file)) return false;
    stack.add(file);
    let server = file.startsWith("lib/db/");
    for (const spec of imports.get(file) ?? []) {
      if (SERVER_RESOURCES.some((r) => r.test(spec))) server = true;
      else {
        const target = resolveLib(file, spec);
        if (target && imports.has(target) && isServer(target, stack)) server = true;
      }
      if (server) break;
    }
    stack.delete(file);
    memo.set(file, server);
    return server;
  };
  return files.filter((f) => isServer(f, new Set()));
}

/** Whether a source already imports "server-only". */
export function hasServerOnly(source: string): boolean {
  return /^import\s+["']server-only["'];?\s*$/m.test(source);
}

/** lib/ modules a client component ("use client" anywhere in app/, components/, lib/) imports at run time. */
export function clientImportedLibModules(): { client: string; module: string }[] {
  const out: { client: string; module: string }[] = [];
  const walk = (dir: string) => {
    if (!fs.existsSync(path.join(root, dir))) return;
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!rel.startsWith("lib/db/generated")) walk(rel);
        continue;
      }
      if (!/\.tsx?$/.test(entry.name)) continue;
      const source = fs.readFileSync(path.join(root, rel), "utf8");
      if (!/^\s*["']use client["']/.test(source)) continue;
      for (const spec of valueImports(source)) {
        const target = resolveLib(rel, spec);
        if (target) out.push({ client: rel, module: target });
      }
    }
  };
  for (const dir of ["app", "components", "lib"]) walk(dir);
  return out;
}

/** The source with `import "server-only";` as its first import (after a leading "use server" directive). */
export function withServerOnly(source: string): string {
  if (hasServerOnly(source)) return source;
  const directive = /^(\s*["']use server["'];?[^\n]*\n)/.exec(source);
  if (directive) return `${directive[1]}${SERVER_ONLY_LINE}\n${source.slice(directive[1]!.length)}`;
  return `${SERVER_ONLY_LINE}\n${source}`;
}
