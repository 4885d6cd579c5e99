import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { buildOpenApi } from "@/lib/api/openapi";

// `npm test` step: the OpenAPI document as GET /api/v1/openapi.json serves it, linted by
// `redocly lint` (recommended rules; redocly.yaml) with no error and no warning allowed, and turned
// into types by openapi-typescript (docs/openapi.d.ts is what the SDK's type test compiles against).
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gatehouse-openapi-"));
const file = path.join(dir, "openapi.json");
fs.writeFileSync(file, JSON.stringify(buildOpenApi(), null, 2));
const bin = (n: string) => path.join(process.cwd(), "node_modules", ".bin", n);
const env = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" };
const lint = spawnSync(bin("redocly"), ["lint", file, "--config", "redocly.yaml", "--max-problems", "200"], { encoding: "utf8", env });
process.stdout.write(lint.stdout + lint.stderr);
const warned = /You have \d+ warning/i.test(lint.stdout + lint.stderr);
const generated = path.join(dir, "openapi.d.ts");
const types = spawnSync(bin("openapi-typescript"), [file, "-o", generated], { encoding: "utf8", env });
process.stdout.write(types.stderr);
const committed = path.join("docs", "openapi.d.ts");
const write = process.argv.includes("--write");
if (types.status === 0 && write) fs.copyFileSync(generated, committed);
const stale = types.status === 0 && !write && fs.readFileSync(generated, "utf8") !== fs.readFileSync(committed, "utf8");
fs.rmSync(dir, { recursive: true, force: true });
if (stale) {
  console.error("openapi-lint: docs/openapi.d.ts differs from the document's types: run `npx tsx --import ./scripts/register-server-only.mjs scripts/openapi-lint.ts --write`");
  process.exit(1);
}
if (lint.status !== 0 || warned) {
  console.error("openapi-lint: redocly reported problems");
  process.exit(1);
}
if (types.status !== 0) process.exit(types.status ?? 1);
