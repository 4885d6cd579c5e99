import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * One body parser: every request body, agent or console, is read by
 * lib/http/parse-body.ts (strict JSON, 64 KB, 400/413/422). A route that reads
 * `req.json()` itself skips the duplicate-key, NUL and size checks; one that
 * validates inline drifts from the shared 422 shape.
 */
const ROOT = path.resolve(import.meta.dirname, "..");
const PARSER = "lib/http/parse-body.ts";

function sources(dir: string): { file: string; text: string }[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && /\.tsx?$/.test(d.name))
    .map((d) => path.relative(ROOT, path.join(d.parentPath, d.name)).split(path.sep).join("/"))
    .filter((f) => !f.startsWith("lib/db/generated/") && !f.startsWith("lib/sdk/"))
    .map((file) => ({ file, text: fs.readFileSync(path.join(ROOT, file), "utf8") }));
}

describe("request bodies are read only by lib/http/parse-body.ts", () => {
  it("no route or lib module reads a request body itself or validates one inline", () => {
    const found: string[] = [];
    for (const { file, text } of [...sources("app"), ...sources("lib")]) {
      if (file === PARSER) continue;
      // (?<!\$): an OpenAPI runtime expression ("{$request.body#/callback_url}" in lib/api/openapi.ts) reads nothing.
      for (const m of text.matchAll(/\b(req|request)\.(json|text|arrayBuffer|formData|blob)\(|(?<!\$)\b(req|request)\.body\b|safeParse\(\s*await\b/g))
        found.push(`${file}: ${m[0]}`);
    }
    expect(found).toEqual([]);
  });

  it("the old parsers are gone", () => {
    for (const old of ["lib/http/read-json.ts", "lib/api/parse-body.ts", "lib/webhook-admin/parse-console-body.ts"]) expect(fs.existsSync(path.join(ROOT, old)), old).toBe(false);
  });
});
